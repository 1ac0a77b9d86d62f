import type { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { uniqueName, withDatabase } from '@groupidentify/local-services';
import {
  openPartitionQueue,
  partitionOf,
  type JobPayload,
  type QueuedIdentification,
} from '@groupidentify/queue-contract';
import { openStore, type Store } from '@groupidentify/store';
import { ReplayError, replayDeadLetters } from './replay-dead-letters.js';

// Replaying every dead letter reads them in batches (here of two), on a real Redis and
// store: each partition gets its letters in failure order across pages, unreadable ones are
// skipped, and a letter that maps to another partition, even on the last page, stops the replay
// before anything is enqueued.
const PARTITIONS = 4;
const BATCH = 2;
const url = withDatabase(inject('mongoUrl'), uniqueName('replay_dead_letters'));
let store: Store;
let connection: Redis;
let queues: Queue<JobPayload>[];

beforeAll(async () => {
  store = await openStore(url, { maintain: { historyRetentionDays: 0 } });
  connection = new Redis(inject('redisUrl'), { maxRetriesPerRequest: null });
  const base = uniqueName('replay');
  queues = Array.from({ length: PARTITIONS }, (_, p) => openPartitionQueue(connection, base, p));
});

afterAll(async () => {
  for (const queue of queues) {
    await queue.obliterate({ force: true });
    await queue.close();
  }
  connection.disconnect();
  await store.close();
  const client = await MongoClient.connect(url);
  await client.db().dropDatabase();
  await client.close();
});

const item = (value: string): QueuedIdentification => ({
  project: 'p',
  group_type: 'org',
  group_value: value,
  group_properties: { $set: { n: value } },
  received_at: 1,
});
const partitionOfValue = (value: string) => partitionOf(item(value), PARTITIONS);
const replayAll = () =>
  replayDeadLetters(store, (p) => queues[p] as Queue<JobPayload>, PARTITIONS, undefined, {
    batchSize: BATCH,
  });
/** The group values queued on each partition, in queue order. */
async function queued(): Promise<string[][]> {
  return Promise.all(
    queues.map(async (queue) =>
      (await queue.getJobs(['waiting', 'prioritized'], 0, -1, true)).flatMap((job) =>
        job.data.items.map((i) => i.group_value),
      ),
    ),
  );
}

describe('replaying every dead letter, a batch at a time', () => {
  // Seven letters, failed one second after another, and an unreadable job among them.
  const values = ['v0', 'v1', 'v2', 'v3', 'v4', 'v5', 'v6'];

  beforeAll(async () => {
    for (const [n, value] of values.entries()) {
      const letter = { seq: { epoch: 'e', job: n, index: 0 }, item: item(value), reason: 'x' };
      await store.deadLetters.add(partitionOfValue(value), [letter], new Date(1000 * n));
      if (n === 2)
        await store.deadLetters.addUnreadableJob(
          0,
          { epoch: 'e', job: 100 },
          'junk',
          'x',
          new Date(2500),
        );
    }
  });

  it('enqueues each partition its letters in failure order, skips the unreadable, marks them', async () => {
    const result = await replayAll();
    expect(result.skipped).toStrictEqual([
      { id: 'e:100:-1', reason: expect.any(String) as unknown },
    ]);
    expect(result.replayed.map((r) => r.id).sort()).toStrictEqual(
      values.map((_, n) => `e:${n}:0`).sort(),
    );
    const expected = queues.map((_, p) => values.filter((v) => partitionOfValue(v) === p));
    expect(await queued()).toStrictEqual(expected);
    const pending = await store.deadLetters.list({ pendingOnly: true });
    expect(pending.map((l) => l.id)).toStrictEqual(['e:100:-1']);
    // Nothing left to replay: the same again enqueues nothing.
    expect((await replayAll()).replayed).toStrictEqual([]);
    expect(await queued()).toStrictEqual(expected);
  });

  it('refuses, enqueueing nothing, when a letter of the last batch maps to another partition', async () => {
    const before = await queued();
    const fine = item('fine');
    await store.deadLetters.add(
      partitionOfValue('fine'),
      [{ seq: { epoch: 'f', job: 1, index: 0 }, item: fine, reason: 'x' }],
      new Date(10_000),
    );
    // Two batches of pending letters (the unreadable one, this one, and more): the misplaced
    // letter comes last.
    await store.deadLetters.add(
      partitionOfValue('fine-2'),
      [{ seq: { epoch: 'f', job: 2, index: 0 }, item: item('fine-2'), reason: 'x' }],
      new Date(11_000),
    );
    const elsewhere = (partitionOfValue('moved') + 1) % PARTITIONS;
    await store.deadLetters.add(
      elsewhere,
      [{ seq: { epoch: 'f', job: 3, index: 0 }, item: item('moved'), reason: 'x' }],
      new Date(12_000),
    );
    const refusal = await replayAll().catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(ReplayError);
    expect((refusal as ReplayError).kind).toBe('wrong-partitions');
    expect(await queued()).toStrictEqual(before);
    const pending = (await store.deadLetters.list({ pendingOnly: true })).map((l) => l.id);
    expect(pending).toStrictEqual(['e:100:-1', 'f:1:0', 'f:2:0', 'f:3:0']);
  });
});
