import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { MongoClient } from 'mongodb';
import { startMongo, type MongoServer } from '@groupidentify/local-services';
import { openPartitionQueue } from '@groupidentify/queue-contract';
import type { WorkerService } from '@groupidentify/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestIngest, withDatabase, type TestIngest } from '../helpers/ingest.js';
import { pollUntil, uniqueName } from '../helpers/services.js';
import { expectExactTrails, startTrailLoad, waitForAccepted } from '../helpers/trail-load.js';
import { startTestWorker } from '../helpers/worker.js';
import { isTransientStoreError } from '@groupidentify/store';
import { collectionsOf } from '@groupidentify/store/testing';

// docs/guarantees.md "MongoDB outages": the store goes away for 10 s under load. Ingest keeps accepting
// (Redis is up; the project lookup is cached), the worker retries in order, and once the store
// is back every accepted identification is applied exactly once, in order, with no dead letters.
// The store is a server of this file's own, so stopping it disturbs no other test file.

const OUTAGE_MS = 10_000;
const GROUPS = Array.from({ length: 4 }, (_, i) => `outage-${i}`);

const dir = mkdtempSync(join(tmpdir(), 'groupidentify-store-outage-'));
let mongo: MongoServer;
let ingest: TestIngest;
let worker: WorkerService;

beforeAll(async () => {
  mongo = await startMongo({ dir: join(dir, 'mongo') });
  ingest = await startTestIngest({
    MONGO_URL: withDatabase(mongo.url, uniqueName('outage')),
    // Cached for the whole test: ingest must not need the store to accept (docs/api.md 200).
    PROJECT_CACHE_TTL_MS: '600000',
  });
  worker = await startTestWorker(ingest, { RETRY_MAX_DELAY_MS: '500' });
});

afterAll(async () => {
  await mongo.start(); // teardown drops the database: bring the store back if a test failed early
  await worker.close();
  await ingest.close();
  await mongo.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Jobs BullMQ gave up on (nothing applies them again), over every partition. */
async function failedJobs(): Promise<number> {
  const connection = new Redis(ingest.config.REDIS_URL, { maxRetriesPerRequest: null });
  try {
    const counts = await Promise.all(
      Array.from({ length: ingest.config.PARTITIONS }, async (_, p) => {
        const queue = openPartitionQueue(connection, ingest.config.QUEUE_PREFIX, p);
        const failed = await queue.getFailedCount();
        await queue.close();
        return failed;
      }),
    );
    return counts.reduce((a, b) => a + b, 0);
  } finally {
    connection.disconnect();
  }
}

async function counterValue(counter: WorkerService['metrics']['retries']): Promise<number> {
  return (await counter.get()).values.reduce((sum, v) => sum + v.value, 0);
}

describe('docs/guarantees.md: a MongoDB outage under load', () => {
  it('loses nothing, keeps order, counts exactly, dead-letters nothing', async () => {
    const load = startTrailLoad({ ingest, groupType: 'org', groups: GROUPS, intervalMs: 100 });
    try {
      // Running and applying before the outage.
      await pollUntil(() => load.acceptedCount() >= 40, { timeoutMs: 20_000 });
      await waitForAccepted(ingest, load, 20_000);
      const retriesBefore = await counterValue(worker.metrics.retries);

      // A crash, not a clean shutdown: in-flight writes are cut mid-way.
      await mongo.stop({ signal: 'SIGKILL' });
      const downAt = Date.now();
      const acceptedAtDown = load.acceptedCount();
      // Here the wall-clock wait is the scenario itself (a 10 s outage), not a stand-in.
      await delay(OUTAGE_MS);
      const acceptedDuringOutage = load.acceptedCount() - acceptedAtDown;
      await mongo.start();
      const upAt = Date.now();

      // Everything accepted while the store was down gets applied once it is back.
      await waitForAccepted(ingest, load, 30_000);
      const recoveredAt = Date.now();
      const target = load.acceptedCount() + 40;
      await pollUntil(() => load.acceptedCount() >= target, { timeoutMs: 20_000 });
      await load.stop();
      await waitForAccepted(ingest, load, 30_000);

      const retries = (await counterValue(worker.metrics.retries)) - retriesBefore;
      const deadLetters = await collectionsOf(ingest.mongo.db()).deadLetters.find().toArray();
      expect(deadLetters.map((d) => d.reason)).toStrictEqual([]);
      const applied = await expectExactTrails(ingest, load);
      console.log(
        `[store-outage] store down ${upAt - downAt} ms; accepted during outage ` +
          `${acceptedDuringOutage}; worker retries ${retries}; backlog applied ` +
          `${recoveredAt - upAt} ms after the store answered; ${applied} identifications applied`,
      );
      // Ingest never needed the store: every request was accepted.
      expect(Object.fromEntries(load.failures)).toStrictEqual({});
      expect(acceptedDuringOutage).toBeGreaterThan(0);
      expect(applied).toBe(load.acceptedCount());
      // The outage was seen by the worker (else this test proved nothing).
      expect(retries).toBeGreaterThan(0);
      expect(await counterValue(worker.metrics.deadLetters)).toBe(0);
      expect(await failedJobs()).toBe(0);
      // One history record per applied identification: no redelivered write counted twice.
      expect(await collectionsOf(ingest.mongo.db()).history.countDocuments()).toBe(applied);
    } finally {
      await load.stop();
    }
  });

  it('a bulk write cut by the outage is a transient error (retried, never poison)', async () => {
    const client = await MongoClient.connect(withDatabase(mongo.url, uniqueName('cut')), {
      serverSelectionTimeoutMS: 500,
    });
    try {
      const groups = collectionsOf(client.db()).groups;
      await groups.findOne({});
      await mongo.stop({ signal: 'SIGKILL' });
      // The driver wraps the network error in a MongoBulkWriteError with no writeErrors.
      const error: unknown = await groups
        .bulkWrite([{ deleteOne: { filter: { _id: 'none' } } }], { ordered: false })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect((error as Error | undefined)?.name).toBe('MongoBulkWriteError');
      expect(isTransientStoreError(error)).toBe(true);
    } finally {
      await mongo.start();
      await client.close();
    }
  });
});
