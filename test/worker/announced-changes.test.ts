import type { JsonObject } from '@groupidentify/ops';
import { uniqueName, withDatabase } from '@groupidentify/local-services';
import type { AnnouncedSegment, QueuedItem } from '@groupidentify/queue-contract';
import { openStore, readChangePage, type Store } from '@groupidentify/store';
import { applyJob } from '@groupidentify/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mongoUrl } from '../helpers/services.js';

// docs/guarantees.md#change-feed: what a batch's notice carries for readers to take instead of
// reading the store is exactly what the store holds at those positions; and when the worker
// cannot know that (a redelivery, an erasure), the notice carries nothing.
const PARTITIONS = 4;
let store: Store;
let project: string;
let job = 0;

beforeAll(async () => {
  store = await openStore(withDatabase(mongoUrl(), uniqueName('announced')));
});
afterAll(async () => {
  await store.close();
});

const identify = (value: string, properties: JsonObject, insertId?: string): QueuedItem => ({
  project,
  group_type: 'org',
  group_value: value,
  group_properties: properties,
  ...(insertId === undefined ? {} : { insert_id: insertId }),
  received_at: Date.now(),
});
const erase = (value: string): QueuedItem => ({
  kind: 'delete',
  project,
  group_type: 'org',
  group_value: value,
  received_at: Date.now(),
});

/** Applies `items` as the next job of partition 0, as a worker does. */
const apply = (items: QueuedItem[], jobId = ++job) =>
  applyJob(store, { v: 1, items }, { partition: 0, epoch: 'e', job: jobId }, new Date());

/** Partition 0's changes in the store after `after`, as a reader with no notices reads them. */
async function fromStore(after: number) {
  const positions = new Array<number>(PARTITIONS).fill(0);
  positions[0] = after;
  const page = await readChangePage(
    store.feed,
    { project, positions },
    { limit: 1000, partitions: PARTITIONS },
  );
  return { to: page.next.positions[0], changes: page.items.map(({ cursor: _, ...c }) => c) };
}

const asRead = (s: AnnouncedSegment | undefined) =>
  s === undefined ? undefined : { to: s.to, changes: s.changes.map((c) => c.change) };

describe('the changes a batch announces', () => {
  beforeAll(async () => {
    project = (await store.projects.create(uniqueName('announced'))).id;
  });

  it('are the store’s, position by position, holes and all', async () => {
    const first = await apply([identify('a', { plan: 'free' }), identify('b', { n: 1 })]);
    const a = first.changes()?.get(project);
    expect(a?.after).toBe(0);
    expect(asRead(a)).toEqual(await fromStore(0));
    // A client retry (same insert_id), a change of nothing and an update: holes between changes.
    const second = await apply([
      identify('c', { n: 1 }, 'once'),
      identify('c', { n: 2 }, 'once'),
      identify('a', { plan: 'free' }),
      identify('a', { plan: 'paid', seats: 3 }),
    ]);
    const b = second.changes()?.get(project);
    expect(b?.after).toBe(a?.to);
    expect(b?.to).toBe((a?.to ?? 0) + 4);
    expect(b?.changes.map((c) => c.position)).toEqual([(a?.to ?? 0) + 1, (a?.to ?? 0) + 4]);
    expect(asRead(b)).toEqual(await fromStore(a?.to ?? 0));
    expect(b?.changes.at(-1)?.change.changes).toEqual({
      plan: { from: 'free', to: 'paid' },
      seats: { to: 3 },
    });
  });

  it('are none when the job is delivered again (its records were written before)', async () => {
    const items = [identify('d', { n: 1 }), identify('e', { n: 1 })];
    const id = ++job;
    expect((await apply(items, id)).changes()).toBeDefined();
    const again = await apply(items, id);
    expect(again.committed.get(project)).toBeGreaterThan(0);
    expect(again.changes()).toBeUndefined();
  });

  it('are none for a batch that erases a group', async () => {
    expect((await apply([identify('f', { n: 1 })])).changes()).toBeDefined();
    const erased = await apply([identify('g', { n: 1 }), erase('f')]);
    expect(erased.changes()).toBeUndefined();
  });
});
