import type { Collection, Document } from 'mongodb';
import type { Collections } from './collections.js';

/** How long an `insert_id` is remembered (client retries: 7 days). */
export const INSERT_ID_RETENTION_SECONDS = 7 * 24 * 3600;

/**
 * Creates the indexes every app relies on; idempotent, run at every worker start. Every index
 * leads with `project` or the group `_id` (which starts with the project), so a sharded
 * deployment can shard on them (README, scaling). Expiry uses TTL indexes where the server has
 * them; returns whether it does.
 */
export async function ensureIndexes(
  c: Collections,
  historyRetentionSeconds: number | undefined,
): Promise<{ ttl: boolean }> {
  await c.projects.createIndex({ api_key: 1 }, { unique: true, name: 'api_key' }, undefined);
  await c.groups.createIndex(
    { project: 1, group_type: 1, updated_at: -1 },
    { name: 'project_type_updated' },
    undefined,
  );
  await c.history.createIndex({ group: 1, version: -1 }, { name: 'group_version' }, undefined);
  // Dead letters in failure order, a page at a time. (Stores made before it have an index
  // `failed_at` as well, on its first key alone: unused since, harmless.)
  await c.deadLetters.createIndex(
    { failed_at: 1, 'seq.epoch': 1, 'seq.job': 1, 'seq.index': 1 },
    { name: 'failure_order' },
    undefined,
  );
  // What an erasure deletes besides history: a group's claims and dead letters.
  await c.insertIds.createIndex({ group: 1 }, { name: 'group' }, undefined);
  await c.deadLetters.createIndex(
    { 'item.project': 1, 'item.group_type': 1, 'item.group_value': 1 },
    { name: 'item_group' },
    undefined,
  );
  await c.importRuns.createIndex(
    { project: 1, file_sha256: 1, started_at: -1 },
    { name: 'project_file_started' },
    undefined,
  );
  // A project's destinations: listed, and counted against its cap, by project.
  await c.destinations.createIndex(
    { project: 1, created_at: 1, _id: 1 },
    { name: 'project_created' },
    undefined,
  );
  const ttl = await expiryIndex(c.insertIds, 'created_at', INSERT_ID_RETENTION_SECONDS);
  if (historyRetentionSeconds !== undefined)
    await expiryIndex(c.history, 'applied_at', historyRetentionSeconds);
  return { ttl };
}

// MongoDB's NotImplemented-style answers: FerretDB refuses `expireAfterSeconds`.
const NOT_IMPLEMENTED = 238;

async function expiryIndex<T extends Document>(
  collection: Collection<T>,
  field: string,
  seconds: number,
): Promise<boolean> {
  try {
    await collection.createIndex(
      { [field]: 1 },
      { name: `${field}_ttl`, expireAfterSeconds: seconds },
      undefined,
    );
    return true;
  } catch (error) {
    const e = error as { code?: unknown; message?: unknown };
    if (e.code !== NOT_IMPLEMENTED && !String(e.message).includes('not implemented')) throw error;
    await collection.createIndex({ [field]: 1 }, { name: field }, undefined);
    return false;
  }
}

/**
 * Deletes what a TTL index would have expired, for servers without TTL indexes. Returns the
 * number of documents removed.
 */
export async function sweepExpired(
  c: Collections,
  now: Date,
  historyRetentionSeconds: number | undefined,
): Promise<number> {
  const cutoff = (seconds: number) => new Date(now.getTime() - seconds * 1000);
  let removed = (
    await c.insertIds.deleteMany({ created_at: { $lt: cutoff(INSERT_ID_RETENTION_SECONDS) } })
  ).deletedCount;
  if (historyRetentionSeconds !== undefined) {
    removed += (
      await c.history.deleteMany({ applied_at: { $lt: cutoff(historyRetentionSeconds) } })
    ).deletedCount;
  }
  return removed;
}
