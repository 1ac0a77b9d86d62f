import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { groupId, type GroupKey, type JsonObject } from '@groupidentify/ops';
import {
  QUEUE_NAME,
  epochKey,
  openPartitionQueue,
  partitionOf,
  type JobPayload,
  type QueuedItem,
} from '@groupidentify/queue-contract';
import { openStore, type Store } from '@groupidentify/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyJob, type JobPosition } from '@groupidentify/worker';
import {
  applyGroups,
  dropDuplicates,
  sequenceItems,
  type GroupBatch,
} from '@groupidentify/worker/testing';
import { startTestIngest, type TestIngest } from '../helpers/ingest.js';
import { startTestWorker, waitForVersion } from '../helpers/worker.js';
import { decodeProperties, type Collections } from '@groupidentify/store/testing';

// docs/guarantees.md exactly-once effect, against the real store: the same job applied twice, two workers
// racing on one job, a redelivery after a crash part-way through, and insert_id dedup.

let ingest: TestIngest;
let store: Store;
let raw: Collections;
let otherStore: Store;
beforeAll(async () => {
  ingest = await startTestIngest();
  store = ingest.store;
  raw = ingest.raw;
  // A second client: a racing worker has its own connections.
  otherStore = await openStore(ingest.config.MONGO_URL);
});
afterAll(async () => {
  await otherStore.close();
  await ingest.close();
});

const TYPE = 'org';

function keyOf(value: string): GroupKey {
  return { project: ingest.projectId, group_type: TYPE, group_value: value };
}

function item(value: string, groupProperties: JsonObject, insertId?: string): QueuedItem {
  return {
    ...keyOf(value),
    group_properties: groupProperties,
    ...(insertId === undefined ? {} : { insert_id: insertId }),
    received_at: Date.now(),
  };
}

/** `$add` a counter and `$append` a mark: applying it twice shows in both. */
const step = (value: string, mark: string, insertId?: string): QueuedItem =>
  item(value, { $add: { count: 1 }, $append: { trail: mark } }, insertId);

const payloadOf = (items: QueuedItem[]): JobPayload => ({ v: 1, items });

interface Snapshot {
  properties: JsonObject | undefined;
  version: number | undefined;
  history: number;
}

async function snapshot(value: string): Promise<Snapshot> {
  const id = groupId(keyOf(value));
  const doc = await raw.groups.findOne({ _id: id });
  return {
    properties: doc === null ? undefined : decodeProperties(doc.properties),
    version: doc?.version,
    history: await raw.history.countDocuments({ group: id }),
  };
}

/** What a group must look like after exactly one application of each of `marks`, in order. */
function exactly(marks: string[]): Snapshot {
  return {
    properties: { count: marks.length, trail: marks },
    version: marks.length,
    history: marks.length,
  };
}

const deadLettersOf = (epoch: string) => raw.deadLetters.countDocuments({ 'seq.epoch': epoch });

/** Group values that all hash to `partition`, so a job of them is a job a partition could hold. */
function groupsIn(partition: number, count: number): string[] {
  const values: string[] = [];
  while (values.length < count) {
    const value = randomUUID();
    if (partitionOf(keyOf(value), ingest.config.PARTITIONS) === partition) values.push(value);
  }
  return values;
}

describe('the same job delivered twice', () => {
  it('a job a worker applied is a no-op when applied again at the same position', async () => {
    const partition = 1;
    const [a, b] = groupsIn(partition, 2) as [string, string];
    const payload = payloadOf([
      step(a, 'a0'),
      step(b, 'b0', `once-${b}`),
      step(a, 'a1', `once-${a}`),
      step(b, 'b1'),
      step(a, 'a2'),
    ]);
    const connection = new Redis(ingest.config.REDIS_URL, { maxRetriesPerRequest: null });
    const queue = openPartitionQueue(connection, ingest.config.QUEUE_PREFIX, partition);
    const worker = await startTestWorker(ingest);
    try {
      const job = await queue.add(QUEUE_NAME, payload, { removeOnComplete: false });
      await waitForVersion(ingest, TYPE, a, 3);
      await waitForVersion(ingest, TYPE, b, 2);
      expect(await snapshot(a)).toStrictEqual(exactly(['a0', 'a1', 'a2']));
      expect(await snapshot(b)).toStrictEqual(exactly(['b0', 'b1']));

      // The worker's own position for the job: a redelivery (stalled lock, racing worker) sees it.
      const epoch = await connection.get(epochKey(ingest.config.QUEUE_PREFIX, partition));
      expect(epoch).toEqual(expect.any(String));
      const position: JobPosition = { partition, epoch: epoch ?? '', job: Number(job.id) };
      const before = await raw.groups
        .find({ _id: { $in: [a, b].map((v) => groupId(keyOf(v))) } })
        .toArray();
      for (let i = 0; i < 2; i++) {
        const outcome = await applyJob(store, payload, position, new Date());
        expect(outcome).toMatchObject({ applied: [], duplicates: 0, deadLetters: 0 });
      }
      const after = await raw.groups.find({ _id: { $in: before.map((d) => d._id) } }).toArray();
      expect(after).toStrictEqual(before); // not even updated_at moved: nothing was written
      expect(await snapshot(a)).toStrictEqual(exactly(['a0', 'a1', 'a2']));
      expect(await snapshot(b)).toStrictEqual(exactly(['b0', 'b1']));
      expect(await deadLettersOf(position.epoch)).toBe(0);
    } finally {
      await worker.close();
      await queue.close();
      connection.disconnect();
    }
  });

  it('applyJob twice with one position applies every item once', async () => {
    const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
    const payload = payloadOf([
      step(a, 'a0'),
      step(b, 'b0'),
      step(a, 'a1', `id-${a}`),
      step(c, 'c0', `id-${c}`),
      step(b, 'b1'),
      step(a, 'a2'),
    ]);
    const position: JobPosition = { partition: 0, epoch: randomUUID(), job: 7 };
    const first = await applyJob(store, payload, position, new Date());
    expect(first.applied).toHaveLength(6);
    const second = await applyJob(store, payload, position, new Date());
    expect(second).toMatchObject({ applied: [], duplicates: 0, deadLetters: 0 });
    expect(await snapshot(a)).toStrictEqual(exactly(['a0', 'a1', 'a2']));
    expect(await snapshot(b)).toStrictEqual(exactly(['b0', 'b1']));
    expect(await snapshot(c)).toStrictEqual(exactly(['c0']));
    expect(await deadLettersOf(position.epoch)).toBe(0);
  });
});

describe('two workers racing on one job', () => {
  it('gives an exact result, no dead letters and no duplicated history', async () => {
    const groups = Array.from({ length: 6 }, () => randomUUID());
    const epoch = randomUUID();
    const jobs = 25;
    const expected = new Map(groups.map((g) => [g, [] as string[]]));
    for (let job = 1; job <= jobs; job++) {
      const items: QueuedItem[] = [];
      for (const g of groups) items.push(step(g, `${job}.0`));
      for (const g of groups) {
        items.push(step(g, `${job}.1`, `${job}-${g}`));
        // A client retry of the previous job's item: must be skipped by both racers.
        if (job > 1) items.push(step(g, `${job}.retry`, `${job - 1}-${g}`));
      }
      for (const g of groups) expected.get(g)?.push(`${job}.0`, `${job}.1`);
      const payload = payloadOf(items);
      const position: JobPosition = { partition: 2, epoch, job };
      const outcomes = await Promise.all([
        applyJob(store, payload, position, new Date()),
        applyJob(otherStore, payload, position, new Date()),
      ]);
      // Each racer applied at most every kept item, and between them all of them. (On MongoDB the
      // version guard makes the sum exact; FerretDB's conditional update is not atomic, so both
      // racers may see their identical write "succeed" — the state below must be exact anyway.)
      for (const o of outcomes) expect(o.applied.length).toBeLessThanOrEqual(groups.length * 2);
      expect(outcomes[0].applied.length + outcomes[1].applied.length).toBeGreaterThanOrEqual(
        groups.length * 2,
      );
      for (const o of outcomes) {
        expect(o.deadLetters).toBe(0);
        expect(o.duplicates).toBe(job > 1 ? groups.length : 0);
      }
    }
    for (const g of groups) expect(await snapshot(g)).toStrictEqual(exactly(expected.get(g) ?? []));
    expect(await deadLettersOf(epoch)).toBe(0);
  });
});

describe('redelivery after partial progress', () => {
  // Four groups, interleaved, some items with insert_ids.
  function interleaved(groups: string[], perGroup: number): QueuedItem[] {
    const items: QueuedItem[] = [];
    for (let i = 0; i < perGroup; i++)
      for (const g of groups) items.push(step(g, `${i}`, i % 2 === 1 ? `${g}-${i}` : undefined));
    return items;
  }
  const marks = (n: number) => Array.from({ length: n }, (_, i) => `${i}`);

  it('a crash after any prefix of the job was applied, then the whole job again', async () => {
    const perGroup = 3;
    const count = 4 * perGroup;
    // Every cut point: items 0..cut-1 applied (by index, so the prefix keeps the job's positions).
    for (let cut = 1; cut < count; cut++) {
      const groups = Array.from({ length: 4 }, () => randomUUID());
      const items = interleaved(groups, perGroup);
      const position: JobPosition = { partition: 3, epoch: randomUUID(), job: 42 };
      await applyJob(store, payloadOf(items.slice(0, cut)), position, new Date());
      const rest = await applyJob(store, payloadOf(items), position, new Date());
      expect(rest.applied).toHaveLength(count - cut);
      // And once more, as a second redelivery.
      expect((await applyJob(store, payloadOf(items), position, new Date())).applied).toHaveLength(
        0,
      );
      for (const g of groups) expect(await snapshot(g)).toStrictEqual(exactly(marks(perGroup)));
      expect(await deadLettersOf(position.epoch)).toBe(0);
    }
  });

  it('a crash after the claims and some groups were written, then the whole job again', async () => {
    const groups = Array.from({ length: 6 }, () => randomUUID());
    const items = interleaved(groups, 4);
    const position: JobPosition = { partition: 3, epoch: randomUUID(), job: 9 };
    // What applyJob does, stopped after the first half of the groups' writes.
    const sequenced = sequenceItems(items, position.epoch, position.job);
    const kept = await dropDuplicates(store, sequenced, new Date());
    expect(kept).toHaveLength(items.length);
    const batches: GroupBatch[] = groups.slice(0, 3).map((g) => ({
      groupId: groupId(keyOf(g)),
      key: keyOf(g),
      entries: kept.filter((s) => s.groupId === groupId(keyOf(g))),
    }));
    await applyGroups(store, batches, new Date());
    for (const g of groups.slice(3)) expect((await snapshot(g)).version).toBeUndefined();

    const redelivered = await applyJob(store, payloadOf(items), position, new Date());
    expect(redelivered.applied).toHaveLength(3 * 4);
    expect(redelivered.duplicates).toBe(0); // the claims are its own
    for (const g of groups) expect(await snapshot(g)).toStrictEqual(exactly(marks(4)));
    expect(await deadLettersOf(position.epoch)).toBe(0);
  });
});

describe('insert_id', () => {
  it('sent again in a later job is skipped', async () => {
    const g = randomUUID();
    const epoch = randomUUID();
    await applyJob(
      store,
      payloadOf([step(g, 'first', `later-${g}`)]),
      { partition: 0, epoch, job: 1 },
      new Date(),
    );
    const again = await applyJob(
      store,
      payloadOf([step(g, 'retry', `later-${g}`), step(g, 'other')]),
      { partition: 0, epoch, job: 2 },
      new Date(),
    );
    expect(again.duplicates).toBe(1);
    expect(await snapshot(g)).toStrictEqual(exactly(['first', 'other']));
  });

  it('sent twice within one job applies once', async () => {
    const g = randomUUID();
    const outcome = await applyJob(
      store,
      payloadOf([step(g, 'x', `twice-${g}`), step(g, 'y'), step(g, 'x-again', `twice-${g}`)]),
      { partition: 0, epoch: randomUUID(), job: 1 },
      new Date(),
    );
    expect(outcome.duplicates).toBe(1);
    expect(await snapshot(g)).toStrictEqual(exactly(['x', 'y']));
  });

  it('of a dead-lettered item does not block its replay (the claim was released)', async () => {
    const g = randomUUID();
    const epoch = randomUUID();
    const at = (job: number): JobPosition => ({ partition: 0, epoch, job });
    // A group close to MongoDB's 16 MiB limit (1 MiB per item, so that each history record stays
    // small), then an item that would take it past: poison.
    const mib = 1024 * 1024;
    const fill = Array.from({ length: 14 }, (_, i) =>
      item(g, { $set: { [`p${i}`]: 'x'.repeat(mib) } }),
    );
    await applyJob(store, payloadOf(fill), at(1), new Date());
    const poison = item(g, { more: 'y'.repeat(2 * mib) }, `poison-${g}`);
    const poisoned = await applyJob(
      store,
      payloadOf([poison, item(g, { $add: { n: 1 } })]),
      at(2),
      new Date(),
    );
    expect(poisoned.deadLetters).toBe(1);
    expect(poisoned.applied).toHaveLength(1); // the rest of the group's items still apply
    const letters = await raw.deadLetters.find({ 'seq.epoch': epoch }).toArray();
    expect(letters.map((l) => [l.seq.job, l.seq.index, l.reason])).toStrictEqual([
      [2, 0, 'the group document would exceed the 16 MB limit'],
    ]);
    expect(
      await raw.insertIds.countDocuments({
        _id: JSON.stringify([groupId(keyOf(g)), `poison-${g}`]),
      }),
    ).toBe(0);

    // Room is made, then the dead letter is replayed as a new job: it applies, once.
    await applyJob(
      store,
      payloadOf([item(g, { $unset: { p0: '-', p1: '-', p2: '-' } })]),
      at(3),
      new Date(),
    );
    const replayed = await applyJob(store, payloadOf([poison]), at(4), new Date());
    expect(replayed).toMatchObject({ duplicates: 0, deadLetters: 0 });
    expect(replayed.applied).toHaveLength(1);
    const again = await applyJob(store, payloadOf([poison]), at(5), new Date());
    expect(again.duplicates).toBe(1);
    const { properties, version } = await snapshot(g);
    expect(version).toBe(14 + 3);
    expect(properties?.['n']).toBe(1);
    expect((properties?.['more'] as string).length).toBe(2 * mib);
  });
});
