import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { uniqueName } from '@groupidentify/local-services';
import { QUEUE_NAME, openPartitionQueue, type JobPayload } from '@groupidentify/queue-contract';
import { jobsAhead } from './jobs-ahead.js';

const MAX = 100;

// What a partition consumer may apply together with the job it holds, read from a real queue.
let connection: Redis;
let queue: Queue<JobPayload>;

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

const payload = (items: number, tag: string): JobPayload => ({
  v: 1,
  items: Array.from({ length: items }, (_, i) => ({
    project: 'p',
    group_type: 't',
    group_value: `${tag}-${i}`,
    group_properties: {},
    received_at: 1,
  })),
});

async function queueWith(...jobs: unknown[]): Promise<string[]> {
  queue = openPartitionQueue(connection, uniqueName('ahead'), 0);
  // `unknown`: some tests plant data that is not a job payload at all.
  const added = await queue.addBulk(
    jobs.map((data) => ({ name: QUEUE_NAME, data: data as JobPayload })),
  );
  return added.map((j) => j.id ?? '');
}

const tags = (jobs: { payload: JobPayload }[]) =>
  jobs.map((j) => j.payload.items[0]?.group_value.split('-')[0]);

describe('jobsAhead', () => {
  it('takes the waiting jobs oldest first, with their ids', async () => {
    const ids = await queueWith(payload(1, 'a'), payload(2, 'b'), payload(1, 'c'));
    const taken = await jobsAhead(queue, connection, 0, 1, MAX);
    expect(taken.map((j) => String(j.id))).toStrictEqual(ids);
    expect(tags(taken)).toStrictEqual(['a', 'b', 'c']);
  });

  it('stops before an unreadable job, which is dead-lettered in its own turn', async () => {
    await queueWith(payload(1, 'a'), { garbage: true }, payload(1, 'c'));
    expect(tags(await jobsAhead(queue, connection, 0, 1, MAX))).toStrictEqual(['a']);
  });

  it('takes nothing from a paused queue', async () => {
    await queueWith(payload(1, 'a'));
    await queue.pause();
    expect(await jobsAhead(queue, connection, 0, 1, MAX)).toStrictEqual([]);
  });

  it('takes nothing at or below the job it follows', async () => {
    const [first] = await queueWith(payload(1, 'a'), payload(1, 'b'));
    expect(await jobsAhead(queue, connection, Number(first), 1, MAX)).toStrictEqual([]);
  });

  it('stops at the item limit, counting the items of the job it follows', async () => {
    const half = MAX / 2;
    await queueWith(payload(half, 'a'), payload(half, 'b'), payload(1, 'c'));
    expect(tags(await jobsAhead(queue, connection, 0, 1, MAX))).toStrictEqual(['a']);
    expect(tags(await jobsAhead(queue, connection, 0, 0, MAX))).toStrictEqual(['a', 'b']);
    expect(await jobsAhead(queue, connection, 0, MAX, MAX)).toStrictEqual([]);
  });

  it('reads on, in growing rounds, while the batch has room', async () => {
    const many = Array.from({ length: 70 }, (_, i) => payload(1, `j${i}`));
    const ids = await queueWith(...many);
    const taken = await jobsAhead(queue, connection, 0, 1, MAX);
    expect(taken.map((j) => String(j.id))).toStrictEqual(ids);
    // A limit reached within the second round: the rest is not read.
    expect(await jobsAhead(queue, connection, 0, 0, 20)).toHaveLength(20);
  });

  it('takes at least one job even if it alone is over the limit', async () => {
    await queueWith(payload(MAX + 1, 'a'), payload(1, 'b'));
    expect(tags(await jobsAhead(queue, connection, 0, 1, MAX))).toStrictEqual(['a']);
  });
});
