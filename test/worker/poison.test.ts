import { Redis } from 'ioredis';
import type { JsonObject } from '@groupidentify/ops';
import {
  QUEUE_NAME,
  openPartitionQueue,
  partitionOf,
  type JobPayload,
} from '@groupidentify/queue-contract';
import { type DeadLetterDocument } from '@groupidentify/store';
import type { WorkerService } from '@groupidentify/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { send } from '../helpers/http.js';
import { startTestIngest, type TestIngest } from '../helpers/ingest.js';
import { readGroup, startTestWorker, waitForVersion } from '../helpers/worker.js';
import { collectionsOf, decodeValue } from '@groupidentify/store/testing';

// docs/guarantees.md poison: an identification that cannot be applied goes to the dead letters with its
// reason, is counted, and never blocks its partition: later items of the same partition (same
// group and other groups) still apply, in order.

let ingest: TestIngest;
let worker: WorkerService;
let redis: Redis;
beforeAll(async () => {
  ingest = await startTestIngest({ FLUSH_LINGER_MS: '300' });
  worker = await startTestWorker(ingest);
  redis = new Redis(ingest.config.REDIS_URL, { maxRetriesPerRequest: null });
});
afterAll(async () => {
  redis.disconnect();
  await worker.close();
  await ingest.close();
});

const partitionOfGroup = (value: string): number =>
  partitionOf(
    { project: ingest.projectId, group_type: 'org', group_value: value },
    ingest.config.PARTITIONS,
  );

/** `count` group values that land in `partition`, named `<prefix>-<n>`. */
function groupsIn(partition: number, prefix: string, count: number): string[] {
  const found: string[] = [];
  for (let n = 0; found.length < count; n++) {
    if (partitionOfGroup(`${prefix}-${n}`) === partition) found.push(`${prefix}-${n}`);
  }
  return found;
}

async function identify(groupValue: string, groupProperties: object): Promise<void> {
  const reply = await send(ingest.url, {
    json: {
      api_key: ingest.apiKey,
      identification: {
        group_type: 'org',
        group_value: groupValue,
        group_properties: groupProperties,
      },
    },
  });
  expect(reply.status, reply.text).toBe(200);
}

async function deadLettersOf(partition: number): Promise<DeadLetterDocument[]> {
  return collectionsOf(ingest.mongo.db())
    .deadLetters.find({ partition })
    .sort({ failed_at: 1 })
    .toArray();
}

async function metric(name: string): Promise<number> {
  const text = await worker.metrics.registry.getSingleMetricAsString(name);
  const sample = /^\S+ (\S+)$/m.exec(text);
  return Number(sample?.[1]);
}

// Each request carries 1000 strings of 1024 chars (the most docs/api.md keeps) under one new
// property, just under the 1 MB body limit: ~1.04 MB of BSON. Sixteen fit in a group (~16.6 MB);
// a seventeenth would take it past MongoDB's 16 MiB document limit. They are sent at once and
// ingest lingers, so they share a job or two (a write of a 16 MB document is slow on FerretDB).
const BIG_REQUESTS = 17;
const bigValue = (r: number): string[] =>
  Array.from({ length: 1000 }, (_, k) => `${r}:${k}:`.padEnd(1024, 'x'));

describe('docs/guarantees.md poison', () => {
  it('a group that would pass 16 MB dead-letters that item; the partition moves on', async () => {
    const poisoned = 'poison-big';
    const partition = partitionOfGroup(poisoned);
    const others = groupsIn(partition, 'poison-neighbour', 2);
    const deadLettersBefore = await metric('gi_worker_dead_letters_total');

    for (const g of others) await identify(g, { $add: { count: 1 }, $append: { trail: 'first' } });
    // Accepted in any order: whichever comes last no longer fits.
    await Promise.all(
      Array.from({ length: BIG_REQUESTS }, (_, r) =>
        identify(poisoned, { $append: { [`p${r}`]: bigValue(r) } }),
      ),
    );
    // After the poison item: the same group and its neighbours still apply, in order.
    await identify(poisoned, { $set: { after: 'poison' } });
    for (const g of others) await identify(g, { $add: { count: 1 }, $append: { trail: 'last' } });

    const group = await waitForVersion(ingest, 'org', poisoned, BIG_REQUESTS, 45_000);
    const kept = Object.keys(group.properties);
    expect(kept).toHaveLength(BIG_REQUESTS);
    expect(kept.at(-1)).toBe('after');
    for (const g of others) {
      expect((await waitForVersion(ingest, 'org', g, 2)).properties).toStrictEqual({
        count: 2,
        trail: ['first', 'last'],
      });
    }

    const letters = await deadLettersOf(partition);
    expect(letters.map((l) => l.reason)).toStrictEqual([
      'the group document would exceed the 16 MB limit',
    ]);
    const item = decodeValue(letters[0]?.item ?? {}) as JsonObject;
    expect(item['group_value']).toBe(poisoned);
    const [name = '', value] =
      Object.entries(
        (item['group_properties'] as { $append: Record<string, unknown> }).$append,
      )[0] ?? [];
    // The dead-lettered one is the request missing from the group, kept whole for a replay.
    expect(kept).not.toContain(name);
    expect(value).toStrictEqual(bigValue(Number(name.slice(1))));
    for (const p of kept.slice(0, -1)) {
      expect(group.properties[p]).toStrictEqual(bigValue(Number(p.slice(1))));
    }
    expect((await metric('gi_worker_dead_letters_total')) - deadLettersBefore).toBe(1);
  });

  it('an unreadable job is dead-lettered and its partition moves on', async () => {
    const group = 'unreadable-next';
    const partition = partitionOfGroup(group);
    const deadLettersBefore = await metric('gi_worker_dead_letters_total');
    const queue = openPartitionQueue(redis, ingest.config.QUEUE_PREFIX, partition);
    try {
      await identify(group, { $append: { trail: 'before' } });
      const garbage = { garbage: ['not', 'a', 'payload'] }; // deliberately not a job payload
      await queue.add(QUEUE_NAME, garbage as unknown as JobPayload);
      await identify(group, { $append: { trail: 'after' } });
    } finally {
      await queue.close();
    }
    expect((await waitForVersion(ingest, 'org', group, 2)).properties).toStrictEqual({
      trail: ['before', 'after'],
    });
    const letters = (await deadLettersOf(partition)).filter((l) => l.seq.index === -1);
    expect(letters).toHaveLength(1);
    expect(letters[0]?.reason).toMatch(/^unreadable job: /);
    expect(decodeValue(letters[0]?.item ?? {})).toStrictEqual({ garbage: ['not', 'a', 'payload'] });
    expect(await readGroup(ingest, 'org', group)).toMatchObject({ version: 2 });
    expect((await metric('gi_worker_dead_letters_total')) - deadLettersBefore).toBe(1);
  });
});
