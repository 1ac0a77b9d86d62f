import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Collections } from './collections.js';
import type { ProjectDocument } from './documents.js';

/** A project as shown once to its creator: the only time the secret key is visible. */
export interface ProjectWithKeys {
  id: string;
  name: string;
  api_key: string;
  secret_key: string;
  ordering: Ordering;
}

/**
 * How a project's groups order their identifications (docs/semantics.md#event-time): by
 * arrival (`received`, the default), or by the event time each carries (`event_time`).
 */
export type Ordering = 'received' | 'event_time';

export const ORDERINGS: readonly Ordering[] = ['received', 'event_time'];

/** A project as listed: never a secret. */
export interface ProjectSummary {
  id: string;
  name: string;
  api_key: string;
  created_at: Date | undefined;
  /** Its own rate limit (identifications per second); null: ingest's `RATE_LIMIT_PER_S`. */
  rate_limit_per_s: number | null;
  /** Whether its public api_key may erase groups. */
  allow_public_erase: boolean;
  ordering: Ordering;
}

/** What ingest needs of the project of an api_key: read with the key, and cached with it. */
export interface IngestProject {
  id: string;
  /** Its own rate limit (identifications per second); undefined: ingest's `RATE_LIMIT_PER_S`. */
  rate_limit_per_s: number | undefined;
  /** Whether its public api_key may erase groups (Mixpanel `$delete`). */
  allow_public_erase: boolean;
  ordering: Ordering;
}

/** The settings `project update` changes; a `null` rate limit goes back to ingest's default. */
export interface ProjectSettingsUpdate {
  rate_limit_per_s?: number | null;
  allow_public_erase?: boolean;
  ordering?: Ordering;
}

/**
 * Secret keys are 32 random bytes, so a fast hash is as safe as a slow one (there is nothing to
 * guess from a dictionary) and keeps every read request cheap. Only the hash is stored.
 */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Constant-time check of a presented secret against a stored hash. */
export function secretMatches(secret: string, storedHash: string | undefined): boolean {
  const presented = Buffer.from(hashSecret(secret), 'hex');
  const stored = Buffer.from(storedHash ?? '', 'hex');
  return stored.length === presented.length && timingSafeEqual(presented, stored);
}

const token = (bytes: number): string => randomBytes(bytes).toString('hex');

/** Projects and their keys. */
export interface ProjectStore {
  /** Creates a project with fresh keys (ordering `received` unless told). */
  create(name: string, options?: { ordering?: Ordering; now?: Date }): Promise<ProjectWithKeys>;
  /**
   * Replaces both keys; the old ones stop working at once for reads and within the ingest cache
   * TTL for ingestion. Undefined for an unknown project.
   */
  rotateKeys(id: string): Promise<ProjectWithKeys | undefined>;
  /** Every project, oldest first. */
  list(): Promise<ProjectSummary[]>;
  /** The project an api_key belongs to, with what ingest needs of it, or undefined. */
  forIngest(apiKey: string): Promise<IngestProject | undefined>;
  /** Changes a project's settings; undefined for an unknown project. */
  update(id: string, settings: ProjectSettingsUpdate): Promise<ProjectSummary | undefined>;
  /** The project of a valid `api_key` + `secret_key` pair (reads), or undefined. */
  authenticate(apiKey: string, secretKey: string): Promise<string | undefined>;
  exists(id: string): Promise<boolean>;
  /** How the project orders its groups' identifications; undefined for an unknown project. */
  ordering(id: string): Promise<Ordering | undefined>;
  /** What the read API tells a project about itself (`GET /api/project`). */
  about(id: string): Promise<{ id: string; name: string; ordering: Ordering } | undefined>;
  /** Whether a project with these keys exists as given (the stack's saved demo keys). */
  hasKeys(keys: Pick<ProjectWithKeys, 'id' | 'api_key' | 'secret_key'>): Promise<boolean>;
}

export function projectStore({ projects }: Collections): ProjectStore {
  return {
    async create(name, { ordering = 'received', now = new Date() } = {}) {
      const keys = { id: token(8), api_key: token(16), secret_key: token(32) };
      const doc: ProjectDocument = {
        _id: keys.id,
        name,
        api_key: keys.api_key,
        secret_key_hash: hashSecret(keys.secret_key),
        created_at: now,
        maintained_counts: true,
        ...(ordering === 'received' ? {} : { ordering }),
      };
      await projects.insertOne(doc);
      const { id, api_key, secret_key } = keys;
      return { id, name, api_key, secret_key, ordering };
    },
    async rotateKeys(id) {
      const api_key = token(16);
      const secret_key = token(32);
      const updated = await projects.findOneAndUpdate(
        { _id: id },
        { $set: { api_key, secret_key_hash: hashSecret(secret_key) } },
        { returnDocument: 'after' },
      );
      if (updated === null) return undefined;
      return { id, name: updated.name, api_key, secret_key, ordering: orderingOf(updated) };
    },
    async list() {
      const docs = await projects.find({}).sort({ created_at: 1, _id: 1 }).toArray();
      return docs.map(summaryOf);
    },
    async forIngest(apiKey) {
      const doc = await projects.findOne(
        { api_key: apiKey },
        { projection: { _id: 1, rate_limit_per_s: 1, allow_public_erase: 1, ordering: 1 } },
      );
      if (doc === null) return undefined;
      return {
        id: doc._id,
        rate_limit_per_s: doc.rate_limit_per_s,
        allow_public_erase: doc.allow_public_erase === true,
        ordering: orderingOf(doc),
      };
    },
    async update(id, settings) {
      const set: Partial<ProjectDocument> = {};
      const unset: Record<string, ''> = {};
      if (settings.rate_limit_per_s === null) unset['rate_limit_per_s'] = '';
      else if (settings.rate_limit_per_s !== undefined)
        set.rate_limit_per_s = settings.rate_limit_per_s;
      if (settings.allow_public_erase !== undefined)
        set.allow_public_erase = settings.allow_public_erase;
      if (settings.ordering === 'received') unset['ordering'] = '';
      else if (settings.ordering !== undefined) set.ordering = settings.ordering;
      const change = {
        ...(Object.keys(set).length > 0 ? { $set: set } : {}),
        ...(Object.keys(unset).length > 0 ? { $unset: unset } : {}),
      };
      const updated =
        Object.keys(change).length === 0
          ? await projects.findOne({ _id: id })
          : await projects.findOneAndUpdate({ _id: id }, change, { returnDocument: 'after' });
      return updated === null ? undefined : summaryOf(updated);
    },
    async authenticate(apiKey, secretKey) {
      const doc = await projects.findOne({ api_key: apiKey });
      // Hash compared even for an unknown key: the answer takes as long either way.
      return secretMatches(secretKey, doc?.secret_key_hash) && doc !== null ? doc._id : undefined;
    },
    async exists(id) {
      return (await projects.countDocuments({ _id: id }, { limit: 1 })) > 0;
    },
    async ordering(id) {
      const doc = await projects.findOne({ _id: id }, { projection: { ordering: 1 } });
      return doc === null ? undefined : orderingOf(doc);
    },
    async about(id) {
      const doc = await projects.findOne({ _id: id }, { projection: { name: 1, ordering: 1 } });
      return doc === null ? undefined : { id, name: doc.name, ordering: orderingOf(doc) };
    },
    async hasKeys(keys) {
      const doc = await projects.findOne({ _id: keys.id });
      return (
        doc !== null &&
        doc.api_key === keys.api_key &&
        secretMatches(keys.secret_key, doc.secret_key_hash)
      );
    },
  };
}

function summaryOf(doc: ProjectDocument): ProjectSummary {
  return {
    id: doc._id,
    name: doc.name,
    api_key: doc.api_key,
    created_at: doc.created_at,
    rate_limit_per_s: doc.rate_limit_per_s ?? null,
    allow_public_erase: doc.allow_public_erase === true,
    ordering: orderingOf(doc),
  };
}

const orderingOf = (doc: Pick<ProjectDocument, 'ordering'>): Ordering => doc.ordering ?? 'received';
