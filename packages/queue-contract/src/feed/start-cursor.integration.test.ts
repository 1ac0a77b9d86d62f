import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { uniqueName, withDatabase } from '@groupidentify/local-services';
import { encodeFeedCursor, openStore, type Store } from '@groupidentify/store';
import { InvalidCursor, startCursor } from './start-cursor.js';

// The one start-point rule of every reader of the feed (docs/api.md#change-feed), against a real
// store: the beginning, `now` as the committed positions, a cursor fitted to the partition count.
const PARTITIONS = 4;
const project = 'p';
let store: Store;

beforeAll(async () => {
  store = await openStore(withDatabase(inject('mongoUrl'), uniqueName('start_cursor')));
  const jobs = [{ epoch: 'e', job: 1, counts: new Map([[project, 3]]) }];
  await store.feed.reserve(1, jobs);
  await store.feed.commit(1, new Map([[project, 3]]));
});

afterAll(async () => {
  await store.close();
});

describe('startCursor', () => {
  it('starts at the beginning without a start point', async () => {
    const cursor = await startCursor(store.feed, project, PARTITIONS, undefined);
    expect(cursor).toEqual({ project, positions: [0, 0, 0, 0] });
  });

  it('starts at the committed positions with now', async () => {
    const cursor = await startCursor(store.feed, project, PARTITIONS, 'now');
    expect(cursor).toEqual({ project, positions: [0, 3, 0, 0] });
  });

  it('takes a cursor of the project, fitted to the partition count', async () => {
    const same = encodeFeedCursor({ project, positions: [1, 2, 3, 4] });
    const fewer = encodeFeedCursor({ project, positions: [5, 6] });
    const more = encodeFeedCursor({ project, positions: [1, 2, 3, 4, 5, 6] });
    expect(await startCursor(store.feed, project, PARTITIONS, same)).toEqual({
      project,
      positions: [1, 2, 3, 4],
    });
    expect(await startCursor(store.feed, project, PARTITIONS, fewer)).toEqual({
      project,
      positions: [5, 6, 0, 0],
    });
    expect(await startCursor(store.feed, project, PARTITIONS, more)).toEqual({
      project,
      positions: [1, 2, 3, 4],
    });
  });

  it("refuses anything else, another project's cursor included", async () => {
    const other = encodeFeedCursor({ project: 'q', positions: [1, 2, 3, 4] });
    for (const after of [
      other,
      '',
      'start',
      'not a cursor',
      encodeFeedCursor({ project, positions: [-1] }),
    ])
      await expect(startCursor(store.feed, project, PARTITIONS, after)).rejects.toThrow(
        InvalidCursor,
      );
  });
});
