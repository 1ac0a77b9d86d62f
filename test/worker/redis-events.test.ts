import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { startRedis, type RedisServer } from '@groupidentify/local-services';
import { epochKey, partitionPrefix, QUEUE_NAME } from '@groupidentify/queue-contract';
import type { WorkerService } from '@groupidentify/worker';
import { describe, expect, it } from 'vitest';
import { startTestIngest, type TestIngest } from '../helpers/ingest.js';
import { pollUntil } from '../helpers/services.js';
import {
  expectExactTrails,
  startTrailLoad,
  waitForAccepted,
  type TrailLoad,
} from '../helpers/trail-load.js';
import { startTestWorker } from '../helpers/worker.js';
import { deferCleanups } from '../helpers/cleanups.js';
import { collectionsOf } from '@groupidentify/store/testing';

// docs/guarantees.md across Redis events, with a worker running: a Redis crash and restart from its AOF
// loses nothing accepted; a FLUSHALL starts a new epoch, so jobs whose ids restart at 1 are
// applied, not mistaken for ones already applied. Each case has a Redis of its own.

const dir = mkdtempSync(join(tmpdir(), 'groupidentify-redis-events-'));
const defer = deferCleanups('all');
defer(() => rmSync(dir, { recursive: true, force: true })); // registered first: runs last

interface Stack {
  redis: RedisServer;
  client: Redis;
  ingest: TestIngest;
  worker: WorkerService;
}

async function startStack(name: string): Promise<Stack> {
  const redis = await startRedis({ dir: join(dir, name) });
  defer(() => redis.stop());
  const client = new Redis(redis.url, { maxRetriesPerRequest: null });
  defer(() => Promise.resolve(client.disconnect()));
  const ingest = await startTestIngest({ REDIS_URL: redis.url });
  // Teardown obliterates the queues: Redis must be up for it, even if a test failed mid-way.
  defer(async () => {
    await redis.start();
    await ingest.close();
  });
  // A short lock: a job whose completion was cut by the crash is handed on within ~2 s.
  const worker = await startTestWorker(ingest, { LOCK_DURATION_MS: '2000' });
  defer(() => worker.close());
  return { redis, client, ingest, worker };
}

function load(stack: Stack, from = 0): TrailLoad {
  return startTrailLoad({
    ingest: stack.ingest,
    groupType: 'org',
    groups: ['r-0', 'r-1', 'r-2', 'r-3', 'r-4', 'r-5'],
    intervalMs: 50,
    from,
  });
}

describe('docs/guarantees.md: Redis events with a worker running', () => {
  it('a Redis crash (SIGKILL) and restart from its AOF loses nothing accepted', async () => {
    const stack = await startStack('restart');
    // Close the ≤1 s everysec window (docs/guarantees.md) so that a kill at any instant keeps every 200.
    await stack.client.config('SET', 'appendfsync', 'always');
    const traffic = load(stack);
    try {
      await pollUntil(() => traffic.acceptedCount() >= 60, { timeoutMs: 20_000 });
      // Killed under load, with requests, enqueues and job completions in flight.
      await stack.redis.stop({ signal: 'SIGKILL' });
      await stack.redis.start();
      const upAt = Date.now();
      const target = traffic.acceptedCount() + 60;
      await pollUntil(() => traffic.acceptedCount() >= target, { timeoutMs: 20_000 });
      await traffic.stop();
      await waitForAccepted(stack.ingest, traffic, 30_000);
      const applied = await expectExactTrails(stack.ingest, traffic);
      console.log(
        `[redis-events] restart: ${applied} applied, ${traffic.acceptedCount()} accepted, ` +
          `refused during the restart ${JSON.stringify(Object.fromEntries(traffic.failures))}, ` +
          `caught up ${Date.now() - upAt} ms after Redis was back`,
      );
      expect(await collectionsOf(stack.ingest.mongo.db()).deadLetters.countDocuments()).toBe(0);
    } finally {
      await traffic.stop();
    }
  });

  it('after FLUSHALL a new epoch begins and later updates apply exactly once', async () => {
    const stack = await startStack('flushall');
    const { ingest } = stack;
    const before = load(stack);
    await pollUntil(() => before.acceptedCount() >= 60, { timeoutMs: 20_000 });
    await before.stop();
    await waitForAccepted(ingest, before, 30_000);
    const epochs = async () =>
      Promise.all(
        Array.from({ length: ingest.config.PARTITIONS }, (_, p) =>
          stack.client.get(epochKey(ingest.config.QUEUE_PREFIX, p)),
        ),
      );
    const epochsBefore = await epochs();
    const jobIdCounters = async () =>
      Promise.all(
        Array.from({ length: ingest.config.PARTITIONS }, async (_, p) =>
          Number(
            (await stack.client.get(
              `${partitionPrefix(ingest.config.QUEUE_PREFIX, p)}:${QUEUE_NAME}:id`,
            )) ?? 0,
          ),
        ),
      );
    const idsBefore = await jobIdCounters();

    await stack.client.flushall();
    // The global concurrency of 1 set by ingest at its start is gone with everything else.
    const concurrency = await stack.client.hget(
      `${partitionPrefix(ingest.config.QUEUE_PREFIX, 0)}:${QUEUE_NAME}:meta`,
      'concurrency',
    );

    const after = load(stack, 1000);
    try {
      await pollUntil(() => after.acceptedCount() >= 60, { timeoutMs: 20_000 });
      await after.stop();
      await waitForAccepted(ingest, after, 30_000);
      await expectExactTrails(ingest, after, [before]);
    } finally {
      await after.stop();
    }
    const epochsAfter = await epochs();
    const idsAfter = await jobIdCounters();
    for (const [p, epoch] of epochsAfter.entries()) {
      if (epoch !== null) expect(epoch, `partition ${p}`).not.toBe(epochsBefore[p]);
    }
    // Job ids were reused in a new epoch, the case the epoch is there for: some partition had
    // jobs before the flush and again after it, numbered from 1 both times (all of them applied).
    const reused = idsBefore.some(
      (before, p) => before > 0 && (idsAfter[p] ?? 0) > 0 && epochsAfter[p] !== epochsBefore[p],
    );
    expect(reused, `job id counters ${idsBefore.join()} → ${idsAfter.join()}`).toBe(true);
    expect(concurrency).toBeNull(); // the flush erased it…
    // …and the worker set the one-consumer limit again as each partition began its new epoch.
    for (const [p, epoch] of epochsAfter.entries()) {
      if (epoch === null) continue;
      const meta = `${partitionPrefix(ingest.config.QUEUE_PREFIX, p)}:${QUEUE_NAME}:meta`;
      expect(await stack.client.hget(meta, 'concurrency'), `partition ${p}`).toBe('1');
    }
  });
});
