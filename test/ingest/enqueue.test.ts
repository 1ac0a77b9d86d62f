import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { partitionOf, isDeletion } from '@groupidentify/queue-contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { send } from '../helpers/http.js';
import { startTestIngest, type TestIngest } from '../helpers/ingest.js';

let ingest: TestIngest;
beforeAll(async () => {
  ingest = await startTestIngest({ FLUSH_LINGER_MS: '5' });
});
afterAll(async () => {
  await ingest.close();
});

const identify = (identification: unknown) =>
  send(ingest.url, { json: { api_key: ingest.apiKey, identification } });

describe('durable, ordered, group-committed enqueue (docs/guarantees.md, docs/guarantees.md)', () => {
  it('queues exactly the validated items of a request, in array order, each in its partition', async () => {
    const groups = Array.from({ length: 12 }, (_, i) => `g-${i}-${randomUUID()}`);
    const identification = groups.flatMap((value, i) => [
      {
        group_type: 'org',
        group_value: value,
        group_properties: { $add: { n: i } },
        ignored: true,
      },
      { group_type: 'org', group_value: value, group_properties: { step: 2 } },
    ]);
    expect((await identify(identification)).status).toBe(200);
    for (const [i, value] of groups.entries()) {
      const partition = partitionOf(
        { project: ingest.projectId, group_type: 'org', group_value: value },
        ingest.config.PARTITIONS,
      );
      const items = (await ingest.items(partition)).filter((item) => item.group_value === value);
      expect(items.map((item) => item.group_properties)).toStrictEqual([
        { $add: { n: i } },
        { step: 2 },
      ]);
    }
  });

  it('keeps acceptance order for one group under concurrent clients, and batches them', async () => {
    const value = `hot-${randomUUID()}`;
    const clients = 8;
    const perClient = 15;
    const timeline: { client: number; seq: number; sentAt: number; doneAt: number }[] = [];
    await Promise.all(
      Array.from({ length: clients }, async (_, client) => {
        for (let seq = 0; seq < perClient; seq++) {
          const sentAt = performance.now();
          const reply = await identify({
            group_type: 'org',
            group_value: value,
            group_properties: { client, seq },
          });
          expect(reply.status).toBe(200);
          timeline.push({ client, seq, sentAt, doneAt: performance.now() });
        }
      }),
    );
    const partition = partitionOf(
      { project: ingest.projectId, group_type: 'org', group_value: value },
      ingest.config.PARTITIONS,
    );
    const jobs = (await ingest.jobs(partition)).filter((job) =>
      job.data.items.some((i) => i.group_value === value),
    );
    const order = jobs
      .flatMap((job) => job.data.items)
      .map((i) => (isDeletion(i) ? {} : i.group_properties) as { client: number; seq: number });
    // Every accepted item exactly once.
    expect(order).toHaveLength(clients * perClient);
    expect(new Set(order.map((o) => `${o.client}/${o.seq}`)).size).toBe(clients * perClient);
    // A request answered before another was sent is queued before it.
    const position = new Map(order.map((o, i) => [`${o.client}/${o.seq}`, i]));
    for (const a of timeline) {
      for (const b of timeline) {
        if (a.doneAt < b.sentAt) {
          expect(position.get(`${a.client}/${a.seq}`)).toBeLessThan(
            position.get(`${b.client}/${b.seq}`) ?? -1,
          );
        }
      }
    }
    // Group commit: concurrent requests share jobs.
    expect(jobs.length).toBeLessThan(clients * perClient);
  });

  it('splits a large flush into jobs of at most FLUSH_MAX_ITEMS items, in order', async () => {
    const value = `big-${randomUUID()}`;
    const identification = Array.from({ length: 1024 }, (_, i) => ({
      group_type: 'org',
      group_value: value,
      group_properties: { i },
    }));
    expect((await identify(identification)).status).toBe(200);
    const partition = partitionOf(
      { project: ingest.projectId, group_type: 'org', group_value: value },
      ingest.config.PARTITIONS,
    );
    const jobs = (await ingest.jobs(partition)).filter((job) =>
      job.data.items.some((i) => i.group_value === value),
    );
    expect(jobs.every((job) => job.data.items.length <= ingest.config.FLUSH_MAX_ITEMS)).toBe(true);
    expect(jobs.length).toBeGreaterThan(1);
    expect(
      jobs
        .flatMap((job) => job.data.items)
        .map((i) => (isDeletion(i) ? undefined : (i.group_properties as { i: number }).i)),
    ).toStrictEqual(identification.map((_, i) => i));
  });

  it('one project cannot write into another: items carry the project of the api_key', async () => {
    const other = await ingest.addProject();
    const value = `iso-${randomUUID()}`;
    const reply = await send(ingest.url, {
      json: {
        api_key: other.apiKey,
        identification: { group_type: 'org', group_value: value, group_properties: {} },
      },
    });
    expect(reply.status).toBe(200);
    const partition = partitionOf(
      { project: other.id, group_type: 'org', group_value: value },
      ingest.config.PARTITIONS,
    );
    const items = (await ingest.items(partition)).filter((i) => i.group_value === value);
    expect(items.map((i) => i.project)).toStrictEqual([other.id]);
  });
});
