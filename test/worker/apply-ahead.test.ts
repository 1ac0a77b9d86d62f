import { randomInt, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { openPartitionQueue } from '@groupidentify/queue-contract';
import { collectionsOf } from '@groupidentify/store/testing';
import { describe, expect, it } from 'vitest';
import { deferCleanups } from '../helpers/cleanups.js';
import { startTestIngest } from '../helpers/ingest.js';
import { expectedAfter, startOrderedLoad, waitForAccepted } from '../helpers/ordered-load.js';
import { pollUntil } from '../helpers/services.js';
import { startTestWorker } from '../helpers/worker.js';
import { spawnWorker, stopWorker } from '../helpers/worker-processes.js';

// Under load a partition's backlog is many small jobs, and a worker applies the jobs waiting
// behind the one it holds together with it, completing them later without touching the store
// (docs/guarantees.md). A crash in between must lose nothing and double nothing: the next worker
// gets the held job back and finds its items, and those of the jobs after it, already applied.

const TYPE = 'org';
const defer = deferCleanups('each');

describe('applying the waiting jobs together with the held one', () => {
  it(
    'a worker SIGKILLed while it applies a backlog ahead loses and doubles nothing',
    { timeout: 120_000 },
    async () => {
      const ingest = await startTestIngest({ PARTITIONS: '2' });
      defer(() => ingest.close());
      const connection = new Redis(ingest.config.REDIS_URL, { maxRetriesPerRequest: null });
      defer(() => connection.disconnect());
      const queues = [0, 1].map((p) =>
        openPartitionQueue(connection, ingest.config.QUEUE_PREFIX, p),
      );
      defer(() => Promise.all(queues.map((q) => q.close())));

      // A backlog of small jobs: the queues are paused while ordered clients send.
      await Promise.all(queues.map((q) => q.pause()));
      const groups = Array.from({ length: 12 }, () => randomUUID());
      const load = startOrderedLoad(ingest, { groupType: TYPE, groups, rounds: 40 });
      await load.done;
      expect(load.refused).toStrictEqual([]);
      const total = [...load.accepted.values()].reduce((a, b) => a + b, 0);
      const jobs = (await Promise.all(queues.map((q) => q.getWaitingCount()))).reduce(
        (a, b) => a + b,
      );
      expect(jobs).toBeGreaterThanOrEqual(40); // many jobs, so that there is something to apply ahead

      // A worker process drains part of it, and is killed at a random instant.
      const raw = collectionsOf(ingest.mongo.db());
      // Small batches, so that the backlog takes many of them and the kill lands among them.
      const env = { LOCK_DURATION_MS: '2000', APPLY_BATCH_MAX_ITEMS: '12' };
      const first = spawnWorker(ingest, env);
      defer(() => stopWorker(first));
      await first.ready();
      await Promise.all(queues.map((q) => q.resume()));
      const cut = randomInt(total / 8, total / 2);
      await pollUntil(async () => (await raw.history.countDocuments({})) >= cut, {
        timeoutMs: 30_000,
        intervalMs: 5,
        description: `${cut} identifications applied`,
      });
      await stopWorker(first, 'SIGKILL');

      // Another takes over: the killed one's job comes back once its lock expires.
      const second = await startTestWorker(ingest, env);
      defer(() => second.close());
      const states = await waitForAccepted(ingest, TYPE, load.accepted, 60_000);
      for (const [group, n] of load.accepted)
        expect(states.get(group)).toStrictEqual(expectedAfter(n));
      expect(await raw.history.countDocuments({})).toBe(total);
      expect(await raw.deadLetters.countDocuments({})).toBe(0);
      const byResult = new Map(
        (await second.metrics.jobs.get()).values.map((v) => [v.labels['result'], v.value]),
      );
      // The survivor applied jobs ahead too (else this test proves nothing about it).
      expect(byResult.get('applied-ahead') ?? 0).toBeGreaterThan(0);
      console.info(
        `apply-ahead crash: ${total} identifications in ${jobs} jobs, killed after ${cut}; ` +
          `survivor: ${JSON.stringify(Object.fromEntries(byResult))}`,
      );
    },
  );
});
