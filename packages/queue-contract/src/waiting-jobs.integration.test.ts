import { Worker, type Job, type Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { pollUntil, uniqueName } from '@groupidentify/local-services';
import type { JobPayload } from './job-payload.js';
import { enqueueJobs, limitToOneConsumer, openPartitionQueue } from './partition-queue.js';
import { QUEUE_NAME, partitionPrefix } from './queue-names.js';
import { readWaitingJobs, removeAppliedJobs } from './waiting-jobs.js';

// The worker reads the jobs waiting behind the one it holds, and once it has applied them takes
// them out of the queue itself, in one Redis call each way, through BullMQ's own keys. These
// tests hold BullMQ to what that relies on: where it keeps waiting jobs and their data, and that
// a queue whose jobs were taken out this way goes on as if they had been completed.
let connection: Redis;
let queue: Queue<JobPayload>;
let base: string;

beforeAll(() => {
  connection = new Redis(inject('redisUrl'), { maxRetriesPerRequest: null });
});
afterAll(() => {
  connection.disconnect();
});
afterEach(async () => {
  await queue.obliterate({ force: true });
  await queue.close();
});

const payload = (tag: string): JobPayload => ({
  v: 1,
  items: [
    { project: 'p', group_type: 't', group_value: tag, group_properties: {}, received_at: 1 },
  ],
});

async function queueOf(...tags: string[]): Promise<string[]> {
  base = uniqueName('waiting');
  queue = openPartitionQueue(connection, base, 0);
  await limitToOneConsumer(queue);
  const ids: string[] = [];
  // One job per call, as ingest's flushes add them.
  for (const tag of tags) ids.push(...((await enqueueJobs(queue, [payload(tag)])) as string[]));
  return ids;
}

const tagOf = (data: string | undefined) =>
  data === undefined ? undefined : (JSON.parse(data) as JobPayload).items[0]?.group_value;

describe('waiting jobs', () => {
  it('are read oldest first with their data, as many as asked after the ones skipped', async () => {
    const ids = await queueOf('a', 'b', 'c');
    const all = await readWaitingJobs(queue, connection, 0, 10);
    expect(all.map((j) => j.id)).toStrictEqual(ids);
    expect(all.map((j) => tagOf(j.data))).toStrictEqual(['a', 'b', 'c']);
    const page = async (skip: number, count: number) =>
      (await readWaitingJobs(queue, connection, skip, count)).map((j) => j.id);
    expect(await page(0, 2)).toStrictEqual(ids.slice(0, 2));
    expect(await page(2, 5)).toStrictEqual(ids.slice(2));
    expect(await page(3, 5)).toStrictEqual([]);
  });

  it('are not read from a paused queue', async () => {
    await queueOf('a');
    await queue.pause();
    expect(await readWaitingJobs(queue, connection, 0, 10)).toStrictEqual([]);
  });

  it('taken out once applied are gone for good; the rest is processed in order', async () => {
    const ids = await queueOf('a', 'b', 'c', 'd', 'e');
    expect(await removeAppliedJobs(queue, connection, [ids[1] ?? '', ids[2] ?? ''])).toBe(2);
    expect(await queue.getWaitingCount()).toBe(3);
    for (const id of [ids[1], ids[2]])
      expect(await connection.exists(`${partitionPrefix(base, 0)}:${QUEUE_NAME}:${id}`)).toBe(0);
    const seen: string[] = [];
    const worker = new Worker<JobPayload>(
      QUEUE_NAME,
      (job: Job<JobPayload>) => {
        seen.push(job.data.items[0]?.group_value ?? '?');
        return Promise.resolve();
      },
      { connection, prefix: partitionPrefix(base, 0), concurrency: 1 },
    );
    try {
      await pollUntil(() => seen.length === 3, { timeoutMs: 10_000, description: 'the rest' });
      expect(seen).toStrictEqual(['a', 'd', 'e']);
      await pollUntil(async () => (await queue.getWaitingCount()) === 0, {
        timeoutMs: 5_000,
        description: 'an empty queue',
      });
    } finally {
      await worker.close();
    }
  });

  it('are left alone once a worker holds them', async () => {
    const [first = ''] = await queueOf('a', 'b');
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const worker = new Worker<JobPayload>(QUEUE_NAME, () => held, {
      connection,
      prefix: partitionPrefix(base, 0),
      concurrency: 1,
    });
    try {
      await pollUntil(async () => (await queue.getActiveCount()) === 1, {
        timeoutMs: 10_000,
        description: 'the first job taken',
      });
      expect(await removeAppliedJobs(queue, connection, [first])).toBe(0);
      expect(await queue.getJob(first)).toBeDefined();
    } finally {
      release();
      await worker.close();
    }
  });
});
