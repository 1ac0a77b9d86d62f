import { MongoClient } from 'mongodb';
import { changeFeedStore, type ChangeFeedStore } from './change-feed.js';
import { collectionsOf } from './collections.js';
import { deadLetterStore, type DeadLetterStore } from './dead-letters.js';
import { groupStore, type GroupStore } from './groups.js';
import { historyStore, type HistoryStore } from './history.js';
import { ensureIndexes, sweepExpired } from './indexes.js';
import { importRuns, type ImportRuns } from './import-runs.js';
import { insertIdClaims, type InsertIdClaims } from './insert-id-claims.js';
import { projectStore, type ProjectStore } from './projects.js';
import { erasureKeys, type ErasureKeys } from './erasure-keys.js';
import { destinations, type Destinations } from './destinations.js';
import { propertyIndexes, type PropertyIndexes } from './property-indexes.js';
import { timeLimitedCollections } from './query-time-limit.js';

/** What the server behind `MONGO_URL` is and can do, learned once per process. */
export interface StoreCapabilities {
  server: 'mongodb' | 'ferretdb';
  version: string;
}

/** The service's data, one typed function per operation: no app touches a collection. */
export interface Store {
  readonly projects: ProjectStore;
  readonly groups: GroupStore;
  readonly history: HistoryStore;
  readonly deadLetters: DeadLetterStore;
  readonly insertIds: InsertIdClaims;
  readonly propertyIndexes: PropertyIndexes;
  readonly feed: ChangeFeedStore;
  readonly erasureKeys: ErasureKeys;
  readonly importRuns: ImportRuns;
  readonly destinations: Destinations;
  /** The `maxTimeMS` of every read, if the store was opened with one. */
  readonly queryTimeoutMS: number | undefined;
  /** Asked of the server once, on first use. */
  capabilities(): Promise<StoreCapabilities>;
  /** True when the server answers now (`/readyz`). */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export interface StoreOptions {
  /** How long an operation waits for an unreachable server before failing (default 5 s). */
  serverSelectionTimeoutMS?: number;
  /**
   * Create the indexes and keep expiry running: the worker's job (one process type owns the
   * schema). Expiry uses TTL indexes where the server has them; otherwise this process deletes
   * expired `insert_id` claims (and old history) itself, hourly.
   */
  maintain?: { historyRetentionDays: number };
  /**
   * `maxTimeMS` of every read (find, aggregate, count, distinct): a query the server works on
   * for longer fails with error 50 (`isQueryTimeout`). Unset: no limit.
   */
  queryTimeoutMS?: number | undefined;
}

const SWEEP_EVERY_MS = 3_600_000;

/**
 * Opens the store at `url` (the database is the URL's path). Connects lazily: an app can start
 * while MongoDB is away and answer `503` until it is back, except with `maintain`, which waits for
 * the server to create the indexes.
 */
export async function openStore(url: string, options: StoreOptions = {}): Promise<Store> {
  const client = new MongoClient(url, {
    serverSelectionTimeoutMS: options.serverSelectionTimeoutMS ?? 5000,
  });
  const db = client.db();
  const limit = options.queryTimeoutMS;
  const c =
    limit === undefined ? collectionsOf(db) : timeLimitedCollections(collectionsOf(db), limit);
  const history = historyStore(c);
  let sweeper: NodeJS.Timeout | undefined;
  if (options.maintain !== undefined) {
    const days = options.maintain.historyRetentionDays;
    const retentionSeconds = days > 0 ? days * 86_400 : undefined;
    const { ttl } = await ensureIndexes(c, retentionSeconds);
    if (!ttl) {
      sweeper = setInterval(
        () => void sweepExpired(c, new Date(), retentionSeconds).catch(() => undefined),
        SWEEP_EVERY_MS,
      );
      sweeper.unref();
    }
  }
  let capabilities: Promise<StoreCapabilities> | undefined;
  return {
    projects: projectStore(c),
    groups: groupStore(c, history),
    history,
    deadLetters: deadLetterStore(c),
    insertIds: insertIdClaims(c),
    propertyIndexes: propertyIndexes(c),
    feed: changeFeedStore(c),
    erasureKeys: erasureKeys(c),
    importRuns: importRuns(c),
    destinations: destinations(c),
    queryTimeoutMS: limit,
    capabilities() {
      capabilities ??= db
        .admin()
        .command({ buildInfo: 1 })
        .then((info) =>
          typeof info['ferretdbVersion'] === 'string'
            ? { server: 'ferretdb' as const, version: info['ferretdbVersion'] }
            : { server: 'mongodb' as const, version: String(info['version']) },
        );
      capabilities.catch(() => (capabilities = undefined)); // ask again after a failure
      return capabilities;
    },
    async ping() {
      return db.command({ ping: 1 }).then(
        () => true,
        () => false,
      );
    },
    async close() {
      clearInterval(sweeper);
      await client.close();
    },
  };
}
