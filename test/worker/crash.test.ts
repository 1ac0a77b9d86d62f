import { randomInt, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { WorkerService } from '@groupidentify/worker';
import { describe, expect, it } from 'vitest';
import { startTestIngest, type TestIngest } from '../helpers/ingest.js';
import { expectedAfter, startOrderedLoad, waitForAccepted } from '../helpers/ordered-load.js';
import { pollUntil } from '../helpers/services.js';
import { startTestWorker } from '../helpers/worker.js';
import {
  partitionQueues,
  startCrashingWorkers,
  type PartitionQueues,
} from '../helpers/worker-processes.js';
import { deferCleanups } from '../helpers/cleanups.js';
import { collectionsOf } from '@groupidentify/store/testing';

// docs/guarantees.md: every accepted identification is applied exactly once and in order per group, across
// worker crashes at any instant. Workers are real child processes, SIGKILLed under load.

const TYPE = 'org';
const defer = deferCleanups('each');

async function ingestFor(
  env: Record<string, string>,
): Promise<{ ingest: TestIngest; queues: PartitionQueues }> {
  const ingest = await startTestIngest(env);
  defer(() => ingest.close());
  const queues = partitionQueues(ingest);
  defer(() => queues.close());
  return { ingest, queues };
}

/** Waits until the partitions hold no job to process; returns the counts then. */
async function drained(queues: PartitionQueues, timeoutMs: number) {
  return pollUntil(
    async () => {
      const counts = await queues.counts();
      return counts.pending === 0 ? counts : undefined;
    },
    { timeoutMs, intervalMs: 100, description: 'the partition queues to drain' },
  );
}

describe('worker crashes', () => {
  it(
    'SIGKILL at random instants under load: nothing lost, doubled or reordered',
    { timeout: 120_000 },
    async () => {
      // Four partitions and a 10 ms linger: jobs of several items, few enough to drain quickly.
      const { ingest, queues } = await ingestFor({ PARTITIONS: '4', FLUSH_LINGER_MS: '10' });
      // Locks of a killed worker expire after 2 s; the survivor's stalled check hands the job on.
      const env = { LOCK_DURATION_MS: '2000', LOG_LEVEL: 'info' };
      const workers = await startCrashingWorkers(ingest, env);
      defer(() => workers.stop());

      const groups = Array.from({ length: 20 }, () => randomUUID());
      // Clients send until the last kill: every kill happens under load.
      const load = startOrderedLoad(ingest, { groupType: TYPE, groups, rounds: 100_000 });
      defer(() => load.stop());

      const started = Date.now();
      let kills = 0;
      const activeAtKill: number[] = [];
      while (kills < 6) {
        await workers.killOne(async () => {
          await sleep(200 + randomInt(1300)); // the random instant of the crash…
          // …taken when a job is in hand: workers keep up with this load, and are often idle.
          const active = await pollUntil(() => queues.active(), {
            timeoutMs: 3000,
            intervalMs: 1,
            description: 'a job in hand',
          }).catch(() => 0);
          activeAtKill.push(active);
        });
        kills++;
      }
      const killPhaseMs = Date.now() - started;
      await load.stop();
      expect(load.refused).toStrictEqual([]);

      const drainStarted = Date.now();
      const states = await waitForAccepted(ingest, TYPE, load.accepted, 90_000);
      const counts = await drained(queues, 30_000);
      const drainMs = Date.now() - drainStarted;
      const total = [...load.accepted.values()].reduce((a, b) => a + b, 0);
      console.info(
        `crash test: ${kills} SIGKILLs in ${killPhaseMs} ms (jobs active at each kill: ` +
          `${activeAtKill.join(',')}), ${total} identifications accepted, drained in ${drainMs} ms`,
      );

      for (const [group, n] of load.accepted)
        expect(states.get(group)).toStrictEqual(expectedAfter(n));
      expect(counts.failed).toBe(0);
      const store = collectionsOf(ingest.mongo.db());
      expect(await store.deadLetters.countDocuments({})).toBe(0);
      expect(await store.history.countDocuments({})).toBe(total);
      // Most kills hit a worker that had a job in hand (else the test proves little).
      expect(activeAtKill.filter((n) => n > 0).length).toBeGreaterThanOrEqual(3);
    },
  );

  it('three workers at once keep each group in order across many partitions', async () => {
    const { ingest, queues } = await ingestFor({ PARTITIONS: '16' });
    const workers: WorkerService[] = [];
    defer(() => Promise.all(workers.map((w) => w.close())).then(() => undefined));
    // Overlapping partition sets: every partition has two or three consumers to race, and the
    // work is shared even though a worker that completes a job takes its partition's next one.
    for (const set of ['0-11', '4-15', 'all'])
      workers.push(await startTestWorker(ingest, { WORKER_PARTITIONS: set }));

    const groups = Array.from({ length: 32 }, () => randomUUID());
    const load = startOrderedLoad(ingest, { groupType: TYPE, groups, rounds: 15 });
    await load.done;
    expect(load.refused).toStrictEqual([]);
    const states = await waitForAccepted(ingest, TYPE, load.accepted, 30_000);
    await drained(queues, 30_000);
    for (const [group, n] of load.accepted) {
      expect(n).toBe(15);
      expect(states.get(group)).toStrictEqual(expectedAfter(n));
    }
    // The partitions were shared out: more than one worker applied something.
    const applied = await Promise.all(
      workers.map(async (w) => (await w.metrics.applied.get()).values[0]?.value ?? 0),
    );
    expect(applied.reduce((a, b) => a + b, 0)).toBe(32 * 15);
    expect(applied.filter((n) => n > 0).length).toBeGreaterThanOrEqual(2);
    expect(await collectionsOf(ingest.mongo.db()).deadLetters.countDocuments({})).toBe(0);
  });
});
