import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ProjectDocument } from './documents.js';
import type { Store } from './collections.js';

/** A project as shown once to its creator: the only time the secret key is visible. */
export interface ProjectWithKeys {
  id: string;
  name: string;
  api_key: string;
  secret_key: string;
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

/** Creates a project with fresh keys (SPEC §6). */
export async function createProject(
  store: Store,
  name: string,
  now = new Date(),
): Promise<ProjectWithKeys> {
  const keys = { id: token(8), api_key: token(16), secret_key: token(32) };
  const doc: ProjectDocument = {
    _id: keys.id,
    name,
    api_key: keys.api_key,
    secret_key_hash: hashSecret(keys.secret_key),
    created_at: now,
  };
  await store.projects.insertOne(doc);
  return { id: keys.id, name, api_key: keys.api_key, secret_key: keys.secret_key };
}

/**
 * Replaces both keys of a project; the old ones stop working at once for reads and within the
 * ingest cache TTL for ingestion. Returns the new keys, or undefined for an unknown project.
 */
export async function rotateKeys(store: Store, id: string): Promise<ProjectWithKeys | undefined> {
  const api_key = token(16);
  const secret_key = token(32);
  const updated = await store.projects.findOneAndUpdate(
    { _id: id },
    { $set: { api_key, secret_key_hash: hashSecret(secret_key) } },
    { returnDocument: 'after' },
  );
  return updated === null ? undefined : { id, name: updated.name, api_key, secret_key };
}
