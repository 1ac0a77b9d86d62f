import { randomUUID } from 'node:crypto';
import { partitionOf, queuedGroupMember, queuedGroupsKey } from '@groupidentify/queue-contract';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { basic, send } from '../helpers/http.js';
import { startTestIngest, type TestIngest } from '../helpers/ingest.js';
import { pollUntil, redisUrl } from '../helpers/services.js';
import { startTestWorker, waitForVersion } from '../helpers/worker.js';
import { deferCleanups } from '../helpers/cleanups.js';

// Whether DELETE answers 202 or 404 (docs/guarantees.md#erasure): the group was written, or its
// partition's queued-groups set holds it. One set lookup, whatever the backlog.

const cleanup = deferCleanups('each');
const redis = new Redis(redisUrl());
afterAll(() => redis.disconnect());

const path = (type: string, value: string) =>
  `/api/groups/${encodeURIComponent(type)}/${encodeURIComponent(value)}`;

async function erase(ingest: TestIngest, value: string, keys = ingest): Promise<number> {
  const reply = await send(ingest.url, {
    method: 'DELETE',
    path: path('org', value),
    headers: { authorization: basic(keys.apiKey, keys.secretKey) },
  });
  return reply.status;
}

async function identify(ingest: TestIngest, values: readonly string[]): Promise<void> {
  const identification = values.map((group_value) => ({
    group_type: 'org',
    group_value,
    group_properties: { seen: true },
  }));
  const reply = await send(ingest.url, { json: { api_key: ingest.apiKey, identification } });
  expect(reply.status).toBe(200);
}

async function queuedMembers(ingest: TestIngest): Promise<string[]> {
  const sets = await Promise.all(
    Array.from({ length: ingest.config.PARTITIONS }, (_, p) =>
      redis.smembers(queuedGroupsKey(ingest.queue(p))),
    ),
  );
  return sets.flat();
}

/** The commands Redis ran on the ingest's queue keys while `work` ran (through MONITOR). */
async function commandsDuring(ingest: TestIngest, work: () => Promise<unknown>) {
  const monitor = await new Redis(redisUrl()).monitor();
  const seen: string[][] = [];
  const marker = `end-${randomUUID()}`;
  let ended = false;
  monitor.on('monitor', (_time: string, args: string[]) => {
    if (args.includes(marker)) ended = true;
    else if (!ended && args.some((a) => a.includes(ingest.config.QUEUE_PREFIX))) seen.push(args);
  });
  try {
    await work();
    await redis.get(marker);
    await pollUntil(() => ended, { timeoutMs: 10_000, description: 'the monitor to catch up' });
    return seen;
  } finally {
    monitor.disconnect();
  }
}

describe('DELETE existence without reading the backlog', () => {
  it('answers 202 for a group only queued and 404 for a never-seen one behind a backlog, with one set lookup', async () => {
    const ingest = await startTestIngest(); // no worker: everything stays queued
    cleanup(() => ingest.close());
    // A backlog of other groups: 200 jobs of 10 identifications over the partitions.
    for (let i = 0; i < 200; i++)
      await identify(
        ingest,
        Array.from({ length: 10 }, (_, j) => `backlog-${i}-${j}`),
      );
    const queued = randomUUID();
    await identify(ingest, [queued]);
    expect(await erase(ingest, queued)).toBe(202);

    const never = randomUUID();
    const key = { project: ingest.projectId, group_type: 'org', group_value: never };
    const partition = partitionOf(key, ingest.config.PARTITIONS);
    expect((await ingest.jobs(partition)).length).toBeGreaterThan(20);
    let status = 0;
    const commands = await commandsDuring(ingest, async () => {
      status = await erase(ingest, never);
    });
    expect(status).toBe(404);
    // The answer came from the partition's set: one lookup, and no job was read (reading the
    // backlog reads every job's hash; the backlog monitor's refresh reads only the oldest job's
    // `timestamp`, and may run meanwhile).
    expect(commands.filter(([name]) => name === 'sismember')).toStrictEqual([
      ['sismember', queuedGroupsKey(ingest.queue(partition)), queuedGroupMember(key)],
    ]);
    const readsJob = ([name = '', ...args]: string[]) =>
      !(name.toLowerCase() === 'hget' && args[1] === 'timestamp') &&
      args.some((a) => /:identify:\d+$/.test(a));
    expect(commands.filter(readsJob)).toStrictEqual([]);
  });

  it('still knows a queued group after ingest restarts', async () => {
    const first = await startTestIngest();
    cleanup(() => first.close());
    const queued = randomUUID();
    await identify(first, [queued]);
    await first.service.close();
    const second = await startTestIngest({
      QUEUE_PREFIX: first.config.QUEUE_PREFIX,
      MONGO_URL: first.config.MONGO_URL,
    });
    cleanup(() => second.close());
    expect(await erase(second, queued, first)).toBe(202);
    expect(await erase(second, randomUUID(), first)).toBe(404);
  });

  it('once a worker wrote the groups of a job of several groups, the set forgets them and the store answers', async () => {
    const ingest = await startTestIngest();
    cleanup(() => ingest.close());
    const values = Array.from({ length: 6 }, () => randomUUID());
    await identify(ingest, values); // one request, one flush: jobs carrying several groups
    const ids = values.map((group_value) =>
      queuedGroupMember({ project: ingest.projectId, group_type: 'org', group_value }),
    );
    expect(await queuedMembers(ingest)).toStrictEqual(expect.arrayContaining(ids));

    const worker = await startTestWorker(ingest);
    cleanup(() => worker.close());
    for (const value of values) await waitForVersion(ingest, 'org', value, 1);
    await pollUntil(async () => (await queuedMembers(ingest)).length === 0, {
      timeoutMs: 20_000,
      description: 'the written groups to leave the queued-groups sets',
    });
    for (const value of values) expect(await erase(ingest, value)).toBe(202);
    expect(await erase(ingest, randomUUID())).toBe(404);

    // Erased and gone from the set: written once, so still 202 (a second erasure changes nothing).
    const [first = ''] = values;
    await pollUntil(
      async () =>
        (await send(ingest.url, {
          method: 'GET',
          path: path('org', first),
          headers: { authorization: basic(ingest.apiKey, ingest.secretKey) },
        }).then((r) => r.status)) === 404,
      { timeoutMs: 20_000, description: 'the erasure to be applied' },
    );
    await pollUntil(async () => (await queuedMembers(ingest)).length === 0, {
      timeoutMs: 20_000,
      description: 'the erased groups to leave the set',
    });
    expect(await erase(ingest, first)).toBe(202);
  });
});
