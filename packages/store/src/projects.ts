import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Collections } from './collections.js';
import type { ProjectDocument } from './documents.js';

/** A project as shown once to its creator: the only time the secret key is visible. */
export interface ProjectWithKeys {
  id: string;
  name: string;
  api_key: string;
  secret_key: string;
}

/** A project as listed: never a secret. */
export interface ProjectSummary {
  id: string;
  name: string;
  api_key: string;
  created_at: Date | undefined;
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
  /** Creates a project with fresh keys. */
  create(name: string, now?: Date): Promise<ProjectWithKeys>;
  /**
   * Replaces both keys; the old ones stop working at once for reads and within the ingest cache
   * TTL for ingestion. Undefined for an unknown project.
   */
  rotateKeys(id: string): Promise<ProjectWithKeys | undefined>;
  /** Every project, oldest first. */
  list(): Promise<ProjectSummary[]>;
  /** The project an api_key belongs to (ingestion), or undefined. */
  idForApiKey(apiKey: string): Promise<string | undefined>;
  /** The project of a valid `api_key` + `secret_key` pair (reads), or undefined. */
  authenticate(apiKey: string, secretKey: string): Promise<string | undefined>;
  exists(id: string): Promise<boolean>;
  /** Whether a project with these keys exists as given (the stack's saved demo keys). */
  hasKeys(keys: ProjectWithKeys): Promise<boolean>;
}

export function projectStore({ projects }: Collections): ProjectStore {
  return {
    async create(name, now = new Date()) {
      const keys = { id: token(8), api_key: token(16), secret_key: token(32) };
      const doc: ProjectDocument = {
        _id: keys.id,
        name,
        api_key: keys.api_key,
        secret_key_hash: hashSecret(keys.secret_key),
        created_at: now,
        maintained_counts: true,
      };
      await projects.insertOne(doc);
      return { id: keys.id, name, api_key: keys.api_key, secret_key: keys.secret_key };
    },
    async rotateKeys(id) {
      const api_key = token(16);
      const secret_key = token(32);
      const updated = await projects.findOneAndUpdate(
        { _id: id },
        { $set: { api_key, secret_key_hash: hashSecret(secret_key) } },
        { returnDocument: 'after' },
      );
      return updated === null ? undefined : { id, name: updated.name, api_key, secret_key };
    },
    async list() {
      const docs = await projects.find({}).sort({ created_at: 1, _id: 1 }).toArray();
      return docs.map((d) => ({
        id: d._id,
        name: d.name,
        api_key: d.api_key,
        created_at: d.created_at,
      }));
    },
    async idForApiKey(apiKey) {
      const doc = await projects.findOne({ api_key: apiKey }, { projection: { _id: 1 } });
      return doc?._id;
    },
    async authenticate(apiKey, secretKey) {
      const doc = await projects.findOne({ api_key: apiKey });
      // Hash compared even for an unknown key: the answer takes as long either way.
      return secretMatches(secretKey, doc?.secret_key_hash) && doc !== null ? doc._id : undefined;
    },
    async exists(id) {
      return (await projects.countDocuments({ _id: id }, { limit: 1 })) > 0;
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
