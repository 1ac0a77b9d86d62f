import type { Collection, Db, Document } from 'mongodb';
import type {
  DeadLetterDocument,
  GroupDocument,
  HistoryDocument,
  InsertIdClaim,
  ProjectDocument,
} from './documents.js';

/** The service's collections in one database. */
export interface Store {
  projects: Collection<ProjectDocument>;
  groups: Collection<GroupDocument>;
  history: Collection<HistoryDocument>;
  deadLetters: Collection<DeadLetterDocument>;
  insertIds: Collection<InsertIdClaim>;
}

export function storeOf(db: Db): Store {
  return {
    projects: db.collection<ProjectDocument>('projects'),
    groups: db.collection<GroupDocument>('groups'),
    history: db.collection<HistoryDocument>('history'),
    deadLetters: db.collection<DeadLetterDocument>('dead_letters'),
    insertIds: db.collection<InsertIdClaim>('insert_ids'),
  };
}

/** How long an `insert_id` is remembered (SPEC §4: 7 days). */
export const INSERT_ID_RETENTION_SECONDS = 7 * 24 * 3600;

/** What {@link ensureIndexes} could not set up, for the caller to make up for. */
export interface IndexReport {
  /** False when the server has no TTL indexes (FerretDB): expiry must be swept by hand. */
  ttl: boolean;
}

/**
 * Creates the indexes every app relies on; idempotent, run at every start. Every index leads
 * with `project` or the group `_id` (which starts with the project), so a sharded deployment
 * can shard on them (see README, scaling). Expiry uses TTL indexes where the server has them.
 */
export async function ensureIndexes(
  store: Store,
  historyRetentionSeconds?: number,
): Promise<IndexReport> {
  await store.projects.createIndex({ api_key: 1 }, { unique: true, name: 'api_key' }, undefined);
  await store.groups.createIndex(
    { project: 1, group_type: 1, updated_at: -1 },
    { name: 'project_type_updated' },
    undefined,
  );
  await store.history.createIndex({ group: 1, version: -1 }, { name: 'group_version' }, undefined);
  await store.deadLetters.createIndex({ failed_at: 1 }, { name: 'failed_at' }, undefined);
  const ttl = await expiryIndex(store.insertIds, 'created_at', INSERT_ID_RETENTION_SECONDS);
  if (historyRetentionSeconds !== undefined)
    await expiryIndex(store.history, 'applied_at', historyRetentionSeconds);
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
  store: Store,
  now: Date,
  historyRetentionSeconds?: number,
): Promise<number> {
  const cutoff = (seconds: number) => new Date(now.getTime() - seconds * 1000);
  let removed = (
    await store.insertIds.deleteMany({ created_at: { $lt: cutoff(INSERT_ID_RETENTION_SECONDS) } })
  ).deletedCount;
  if (historyRetentionSeconds !== undefined) {
    removed += (
      await store.history.deleteMany({ applied_at: { $lt: cutoff(historyRetentionSeconds) } })
    ).deletedCount;
  }
  return removed;
}
