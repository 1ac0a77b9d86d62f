import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { uniqueName, withDatabase } from '@groupidentify/local-services';
import { changeFeedStore, feedJobKey, feedRecordId, type ChangeFeedStore } from './change-feed.js';
import { readChangePage } from './change-page.js';
import type { FeedCursor } from './feed-cursor.js';
import { feedChange } from './feed-change-fixture.js';
import { collectionsOf, type Collections } from './collections.js';

// Reading a page from positions the workers announced (docs/guarantees.md#change-feed): the same
// changes as reading the store's heads first, and never past them, whatever was announced.
const PARTITIONS = 4;
const project = 'p';
let client: MongoClient;
let raw: Collections;
let feed: ChangeFeedStore;

beforeAll(async () => {
  client = await MongoClient.connect(withDatabase(inject('mongoUrl'), uniqueName('change_page')));
  raw = collectionsOf(client.db());
  feed = changeFeedStore(raw);
});

afterAll(async () => {
  await client.db().dropDatabase();
  await client.close();
});

/**
 * Reserves `count` positions in `partition` for one job and writes a record at each (a change
 * of group `g<partition>-<position>`); commits them when `commit` is set. Returns the last.
 */
async function applyJob(partition: number, job: number, count: number, commit: boolean) {
  const first = (
    await feed.reserve(partition, [{ epoch: 'e', job, counts: new Map([[project, count]]) }])
  )
    .get(feedJobKey('e', job))
    ?.get(project);
  if (first === undefined) throw new Error('no reservation');
  const at = new Date();
  await raw.history.insertMany(
    Array.from({ length: count }, (_, i) => ({
      _id: feedRecordId(project, partition, first + i),
      group: JSON.stringify([project, 'org', `g${partition}-${first + i}`]),
      project,
      version: 1,
      kind: 'create' as const,
      visible_version: 1,
      received_at: at,
      applied_at: at,
      record: JSON.stringify({ changes: { n: { to: first + i } }, skipped: [] }),
    })),
  );
  const last = first + count - 1;
  if (commit) await feed.commit(partition, new Map([[project, last]]));
  return last;
}

const start = (): FeedCursor => ({ project, positions: new Array<number>(PARTITIONS).fill(0) });
const values = (page: Awaited<ReturnType<typeof readChangePage>>) =>
  page.items.map((c) => c.group_value).sort();

describe('a change page read from announced positions', () => {
  it('has the changes a read of the heads first has, and the same next cursor', async () => {
    await applyJob(0, 1, 3, true);
    await applyJob(2, 1, 5, true);
    const plain = await readChangePage(feed, start(), { limit: 100, partitions: PARTITIONS });
    expect(plain.items).toHaveLength(8);
    const announced = await readChangePage(feed, start(), {
      limit: 100,
      partitions: PARTITIONS,
      committed: [3, 0, 5, 0],
    });
    expect(values(announced)).toEqual(values(plain));
    expect(announced.next.positions).toEqual(plain.next.positions);
    expect(announced.heads).toEqual([3, 0, 5, 0]);
  });

  it('stops at the store’s committed positions when more was announced than it holds', async () => {
    // Partition 1: records at 1–4, only 1–2 committed; the announcement says 4 (a store
    // restored from a backup, say). Positions 3–4 may still change: not read.
    await applyJob(1, 1, 2, true);
    await applyJob(1, 2, 2, false);
    const page = await readChangePage(feed, start(), {
      limit: 100,
      partitions: PARTITIONS,
      committed: [0, 4, 0, 0],
    });
    expect(page.items.map((c) => c.group_value)).toEqual(['g1-1', 'g1-2']);
    expect(page.next.positions[1]).toBe(2);
  });

  it('reads the store’s heads when the announcements show nothing new (one was lost)', async () => {
    const last = await applyJob(3, 1, 2, true);
    const from: FeedCursor = { project, positions: [3, 2, 5, 0] };
    const page = await readChangePage(feed, from, {
      limit: 100,
      partitions: PARTITIONS,
      committed: [3, 2, 5, 0],
    });
    expect(page.items.map((c) => c.group_value)).toEqual([`g3-${last - 1}`, `g3-${last}`]);
    expect(page.next.positions).toEqual([3, 2, 5, last]);
  });

  it('takes announced changes as they are, and reads only the other partitions', async () => {
    // Partition 0 is at 3 in the store; the announcement holds a change there that the store
    // does not (so the page shows it only if taken from the announcement).
    const last = await applyJob(3, 2, 1, true);
    const cursor: FeedCursor = { project, positions: [2, 2, 5, last - 1] };
    const announced = {
      to: 3,
      changes: [
        {
          position: 3,
          change: feedChange('announced'),
        },
      ],
    };
    const page = await readChangePage(feed, cursor, {
      limit: 100,
      partitions: PARTITIONS,
      committed: [3, 2, 5, last],
      announced: (partition, position) =>
        partition === 0 && position === 2 ? announced : undefined,
    });
    // Merged by applied time: the announced change (applied in 2000) first.
    expect(page.items.map((c) => c.group_value)).toEqual(['announced', `g3-${last}`]);
    expect(page.next.positions).toEqual([3, 2, 5, last]);
  });

  it('reads nothing from the store when announcements cover every partition behind', async () => {
    const page = await readChangePage(
      feed,
      { project, positions: [3, 2, 5, 3] },
      {
        limit: 100,
        partitions: PARTITIONS,
        committed: [3, 2, 5, 4],
        announced: (partition) => (partition === 3 ? { to: 4, changes: [] } : undefined),
      },
    );
    expect(page.heads).toBeUndefined();
    expect(page.items).toEqual([]);
    expect(page.next.positions).toEqual([3, 2, 5, 4]);
  });

  it('bounds announced changes by the store’s positions when it reads them', async () => {
    // Partition 1 holds records at 3–4 but has committed only 2; an announcement says 4 (the
    // store went back). Partition 0's announced position sends the page to the store's heads.
    const heads = await feed.heads(project, PARTITIONS);
    const change = feedChange('not committed');
    const page = await readChangePage(
      feed,
      { project, positions: heads },
      {
        limit: 100,
        partitions: PARTITIONS,
        committed: [(heads[0] ?? 0) + 1, 4, heads[2], heads[3]].map((n) => n ?? 0),
        announced: (partition, position) =>
          partition === 1 && position === 2
            ? { to: 4, changes: [3, 4].map((p) => ({ position: p, change })) }
            : undefined,
      },
    );
    expect(page.items).toEqual([]);
    expect(page.next.positions).toEqual(heads);
  });
});
