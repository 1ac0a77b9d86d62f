import { randomUUID } from 'node:crypto';
import { groupId, type GroupKey, type JsonObject } from '@groupidentify/ops';
import type { JobPayload, QueuedItem } from '@groupidentify/queue-contract';
import { openStore, type Store } from '@groupidentify/store';
import { decodeProperties, type Collections } from '@groupidentify/store/testing';
import { applyJob, type JobPosition } from '@groupidentify/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestIngest, type TestIngest } from '../helpers/ingest.js';
import { groupRecords } from '../helpers/group-records.js';

// Erasure is exactly-once like an identification (docs/guarantees.md): redelivered, raced by a
// second worker, or cut short by a crash, it erases once, and nothing erased comes back.

let ingest: TestIngest;
let store: Store;
let raw: Collections;
let otherStore: Store;
beforeAll(async () => {
  ingest = await startTestIngest();
  store = ingest.store;
  raw = ingest.raw;
  otherStore = await openStore(ingest.config.MONGO_URL);
});
afterAll(async () => {
  await otherStore.close();
  await ingest.close();
});

const keyOf = (value: string): GroupKey => ({
  project: ingest.projectId,
  group_type: 'org',
  group_value: value,
});
const step = (value: string, mark: string): QueuedItem => ({
  ...keyOf(value),
  group_properties: { $add: { count: 1 }, $append: { trail: mark } },
  received_at: Date.now(),
});
const erase = (value: string): QueuedItem => ({
  kind: 'delete',
  ...keyOf(value),
  received_at: Date.now(),
});
const payloadOf = (items: QueuedItem[]): JobPayload => ({ v: 1, items });

interface State {
  properties: JsonObject | undefined;
  erased: boolean;
  /** Kinds of the group's history records, oldest first. */
  history: string[];
}

async function state(value: string): Promise<State> {
  const id = groupId(keyOf(value));
  const doc = await raw.groups.findOne({ _id: id });
  const history = await raw.history
    .find(await groupRecords(raw, keyOf(value)))
    .sort({ version: 1 })
    .toArray();
  return {
    properties: doc === null || doc.erased === true ? undefined : decodeProperties(doc.properties),
    erased: doc?.erased === true,
    history: history.map((h) => h.kind ?? '?'),
  };
}

/** After `marks` applied once each in a life that began with an erasure (or not). */
function lifeOf(marks: string[], erasures: number): State {
  return {
    properties: marks.length === 0 ? undefined : { count: marks.length, trail: marks },
    erased: marks.length === 0,
    history: [
      ...Array.from({ length: erasures }, () => 'delete'),
      ...marks.map((_, i) => (i === 0 ? 'create' : 'update')),
    ],
  };
}

describe('an erasure', () => {
  it('applied twice at one position erases once; what follows it in the job lives on', async () => {
    const g = randomUUID();
    const payload = payloadOf([step(g, 'a0'), step(g, 'a1'), erase(g), step(g, 'b0')]);
    const position: JobPosition = { partition: 0, epoch: randomUUID(), job: 1 };
    await applyJob(store, payload, position, new Date());
    expect(await state(g)).toStrictEqual(lifeOf(['b0'], 1));
    const again = await applyJob(store, payload, position, new Date());
    expect(again.applied).toHaveLength(0);
    expect(await state(g)).toStrictEqual(lifeOf(['b0'], 1));
    expect(await store.groups.view(keyOf(g))).toMatchObject({ version: 1 });
  });

  it('cut short after erasing the earlier life, before recording it: redelivery finishes it', async () => {
    const g = randomUUID();
    const epoch = randomUUID();
    await applyJob(
      store,
      payloadOf([step(g, 'a0'), step(g, 'a1')]),
      { partition: 0, epoch, job: 1 },
      new Date(),
    );
    // The crash: the first step of applying job 2 (erase the earlier life) ran, nothing else.
    await store.groups.eraseEarlierLives(keyOf(g), 3);
    await applyJob(
      store,
      payloadOf([erase(g), step(g, 'b0')]),
      { partition: 0, epoch, job: 2 },
      new Date(),
    );
    expect(await state(g)).toStrictEqual(lifeOf(['b0'], 1));
  });

  it('is never undone by a late redelivery of an earlier job', async () => {
    const g = randomUUID();
    const epoch = randomUUID();
    const first = payloadOf([step(g, 'a0')]);
    await applyJob(store, first, { partition: 0, epoch, job: 1 }, new Date());
    await applyJob(store, payloadOf([erase(g)]), { partition: 0, epoch, job: 2 }, new Date());
    // A stalled worker that still had job 1 applies it again, after the erasure.
    await applyJob(otherStore, first, { partition: 0, epoch, job: 1 }, new Date());
    expect(await state(g)).toStrictEqual(lifeOf([], 1));
    expect(await store.groups.view(keyOf(g))).toBeUndefined();
  });

  it('raced by a second worker on every job: exact, and no history of an erased life remains', async () => {
    const groups = Array.from({ length: 4 }, () => randomUUID());
    const epoch = randomUUID();
    const marks = new Map(groups.map((g) => [g, [] as string[]]));
    const erasures = new Map(groups.map((g) => [g, 0]));
    for (let job = 1; job <= 24; job++) {
      const items: QueuedItem[] = [];
      for (const [k, g] of groups.entries()) {
        if ((job + k) % 5 === 0) {
          items.push(erase(g));
          marks.set(g, []);
          erasures.set(g, (erasures.get(g) ?? 0) + 1);
        } else {
          items.push(step(g, `${job}`));
          marks.get(g)?.push(`${job}`);
        }
      }
      const position: JobPosition = { partition: 1, epoch, job };
      await Promise.all([
        applyJob(store, payloadOf(items), position, new Date()),
        applyJob(otherStore, payloadOf(items), position, new Date()),
      ]);
    }
    for (const g of groups)
      expect(await state(g)).toStrictEqual(lifeOf(marks.get(g) ?? [], erasures.get(g) ?? 0));
  });

  it('keeps the insert_id claims of what follows it in its batch: a client retry stays a retry', async () => {
    const g = randomUUID();
    const epoch = randomUUID();
    const retried = { ...step(g, 'b0'), insert_id: `x-${g}` };
    const before = { ...step(g, 'a0'), insert_id: `y-${g}` };
    await applyJob(
      store,
      payloadOf([before, erase(g), retried]),
      { partition: 2, epoch, job: 1 },
      new Date(),
    );
    expect(await state(g)).toStrictEqual(lifeOf(['b0'], 1));
    // The client sends the identification after the erasure again: a duplicate, skipped.
    const again = await applyJob(
      store,
      payloadOf([retried]),
      { partition: 2, epoch, job: 2 },
      new Date(),
    );
    expect(again.duplicates).toBe(1);
    // The one before the erasure was erased with its life: sent again, it applies.
    const old = await applyJob(
      store,
      payloadOf([before]),
      { partition: 2, epoch, job: 3 },
      new Date(),
    );
    expect(old.duplicates).toBe(0);
    expect(await state(g)).toStrictEqual(lifeOf(['b0', 'a0'], 1));
  });
});
