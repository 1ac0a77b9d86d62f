import { randomInt, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { collectionsOf } from '@groupidentify/store/testing';
import { describe, expect, it } from 'vitest';
import { deferCleanups } from '../helpers/cleanups.js';
import { startTestIngest } from '../helpers/ingest.js';
import { expectedAfter, startOrderedLoad, waitForAccepted } from '../helpers/ordered-load.js';
import { pollUntil } from '../helpers/services.js';
import { partitionQueues, startCrashingWorkers } from '../helpers/worker-processes.js';

// An event_time project under worker crashes (docs/semantics.md#event-time): with a fifth of the
// identifications late, SIGKILLs at random instants lose, double and misplace nothing.

const defer = deferCleanups('each');
const START = Date.UTC(2026, 11, 5);

/**
 * The n-th identification's time: a second after the previous one's, except every fifth, which
 * is up to five earlier ones late. All distinct (the n ms), so the expected order is plain.
 */
const timeOf = (n: number): number => {
  const late = n % 5 === 3 ? 1 + (n % 4) : 0;
  return START + (n - late) * 1000 - (late > 0 ? 500 : 0) + n;
};

describe('event time, worker crashes', () => {
  it(
    'SIGKILL at random instants with late identifications: each group is the fold in time order',
    { timeout: 120_000 },
    async () => {
      const ingest = await startTestIngest({ PARTITIONS: '4', FLUSH_LINGER_MS: '10' });
      defer(() => ingest.close());
      await ingest.raw.projects.updateOne(
        { _id: ingest.projectId },
        { $set: { ordering: 'event_time' } },
      );
      const queues = partitionQueues(ingest);
      defer(() => queues.close());
      const workers = await startCrashingWorkers(ingest, { LOCK_DURATION_MS: '2000' });
      defer(() => workers.stop());

      const groups = Array.from({ length: 12 }, () => randomUUID());
      const load = startOrderedLoad(ingest, { groupType: 'org', groups, rounds: 100_000, timeOf });
      defer(() => load.stop());
      for (let kills = 0; kills < 4; kills++)
        await workers.killOne(() => sleep(200 + randomInt(1300)));
      await load.stop();
      expect(load.refused).toStrictEqual([]);

      const states = await waitForAccepted(ingest, 'org', load.accepted, 90_000);
      await pollUntil(async () => (await queues.counts()).pending === 0, {
        timeoutMs: 30_000,
        description: 'the partition queues to drain',
      });
      let total = 0;
      for (const [group, n] of load.accepted) {
        expect(states.get(group)).toStrictEqual(expectedAfter(n, timeOf));
        total += n;
      }
      expect(total).toBeGreaterThan(100);
      const store = collectionsOf(ingest.mongo.db());
      expect(await store.deadLetters.countDocuments({})).toBe(0);
      expect(await store.history.countDocuments({})).toBe(total);
    },
  );
});
