import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { pollUntil, uniqueName } from '@groupidentify/local-services';

// docs/guarantees.md: a partition queue with a global concurrency of 1 is processed one job at a time, in
// FIFO order, even by a worker allowed several jobs at once.
const prefix = `{${uniqueName('gi_smoke')}:00}`;
const queueName = 'partition';
let connection: Redis;
let queue: Queue;

beforeAll(async () => {
  // Workers block on Redis: ioredis must retry forever rather than fail their commands.
  connection = new Redis(inject('redisUrl'), { maxRetriesPerRequest: null });
  queue = new Queue(queueName, { connection, prefix });
  await queue.setGlobalConcurrency(1);
});

afterAll(async () => {
  await queue.obliterate({ force: true });
  await queue.close();
  await connection.quit();
});

describe('BullMQ against the local redis-server', () => {
  it('processes a globally serialized queue in FIFO order', async () => {
    const count = 20;
    await queue.addBulk(Array.from({ length: count }, (_, i) => ({ name: 'item', data: { i } })));
    const seen: number[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const worker = new Worker<{ i: number }>(
      queueName,
      async (job) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        seen.push(job.data.i);
        await new Promise((resolve) => setImmediate(resolve));
        inFlight--;
      },
      { connection, prefix, concurrency: 4 },
    );
    try {
      await pollUntil(() => seen.length === count, { timeoutMs: 20_000, description: 'all jobs' });
      expect(seen).toEqual(Array.from({ length: count }, (_, i) => i));
      expect(maxInFlight).toBe(1);
      await pollUntil(async () => (await queue.getCompletedCount()) === count, {
        timeoutMs: 5_000,
        description: 'jobs to complete',
      });
    } finally {
      await worker.close();
    }
  });
});
