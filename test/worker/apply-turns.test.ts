import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { openPartitionQueue, partitionOf } from '@groupidentify/queue-contract';
import { describe, expect, it } from 'vitest';
import { deferCleanups } from '../helpers/cleanups.js';
import { startTestIngest } from '../helpers/ingest.js';
import { expectedAfter, startOrderedLoad, waitForAccepted } from '../helpers/ordered-load.js';
import { startTestWorker } from '../helpers/worker.js';

// APPLY_AT_ONCE (docs/operations.md): a worker process applies that many partitions' batches at
// a time; the other partitions wait their turn, and apply what came meanwhile with their batch.

const TYPE = 'org';
const PARTITIONS = 4;
const defer = deferCleanups('each');

describe('APPLY_AT_ONCE', () => {
  it(
    'partitions wait for a turn beyond it, and every identification is applied once, in order',
    {
      timeout: 60_000,
    },
    async () => {
      const ingest = await startTestIngest({ PARTITIONS: String(PARTITIONS) });
      defer(() => ingest.close());
      const connection = new Redis(ingest.config.REDIS_URL, { maxRetriesPerRequest: null });
      defer(() => connection.disconnect());
      const queues = Array.from({ length: PARTITIONS }, (_, p) =>
        openPartitionQueue(connection, ingest.config.QUEUE_PREFIX, p),
      );
      defer(() => Promise.all(queues.map((q) => q.close())));

      // A backlog in every partition, so that all of them want to apply as the worker starts.
      await Promise.all(queues.map((q) => q.pause()));
      // Six groups in each partition: 24 random ones left a partition empty now and then.
      const perPartition = new Array<number>(PARTITIONS).fill(0);
      const groups: string[] = [];
      while (groups.length < 6 * PARTITIONS) {
        const value = randomUUID();
        const key = { project: ingest.projectId, group_type: TYPE, group_value: value };
        const p = partitionOf(key, PARTITIONS);
        if ((perPartition[p] ?? 0) >= 6) continue;
        perPartition[p] = (perPartition[p] ?? 0) + 1;
        groups.push(value);
      }
      const load = startOrderedLoad(ingest, { groupType: TYPE, groups, rounds: 10 });
      await load.done;
      expect(load.refused).toStrictEqual([]);
      const waiting = await Promise.all(queues.map((q) => q.getWaitingCount()));
      expect(waiting.every((n) => n > 0)).toBe(true);

      const worker = await startTestWorker(ingest, {
        APPLY_AT_ONCE: '1',
        APPLY_BATCH_MAX_ITEMS: '5',
      });
      defer(() => worker.close());
      await Promise.all(queues.map((q) => q.resume()));
      const states = await waitForAccepted(ingest, TYPE, load.accepted, 45_000);
      for (const [group, n] of load.accepted)
        expect(states.get(group)).toStrictEqual(expectedAfter(n));

      // One turn for four busy partitions: batches waited for it (with a turn each, none would).
      const { values } = await worker.metrics.applyTurnWaitSeconds.get();
      const count = values.find((v) => v.metricName?.endsWith('_count'))?.value ?? 0;
      const within1ms =
        values.find((v) => v.metricName?.endsWith('_bucket') && v.labels['le'] === 0.001)?.value ??
        0;
      expect(count).toBeGreaterThan(PARTITIONS);
      expect(count - within1ms).toBeGreaterThan(0);
    },
  );
});
