import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { uniqueName, withDatabase } from '@groupidentify/local-services';
import type { DeadLetterPosition, DeadLetterView } from './dead-letters.js';
import { openStore, type Store } from './open-store.js';

// Dead letters a page (or a batch) at a time on the real wire server: failure order across pages, whatever
// the page size, with ties on the failure time broken by the queue position (numbers as
// numbers), and letters added or replayed meanwhile neither repeated nor skipped.
const url = withDatabase(inject('mongoUrl'), uniqueName('dead_letters'));
let store: Store;

beforeAll(async () => {
  store = await openStore(url, { maintain: { historyRetentionDays: 0 } });
});

afterAll(async () => {
  await store.close();
  const client = await MongoClient.connect(url);
  await client.db().dropDatabase();
  await client.close();
});

const at = (second: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, second));
const item = (n: number) => ({ project: 'p', group_type: 'org', group_value: `g${n}` });

/**
 * Letters of two epochs, failed at three times; job 10 after job 9 (as numbers, not as text), and
 * one letter added twice (a redelivered job: it stays one letter, of its first failure).
 */
async function addLetters(): Promise<void> {
  const letter = (epoch: string, job: number, index: number) => ({
    seq: { epoch, job, index },
    item: item(job * 10 + index),
    reason: `failed ${epoch}:${job}:${index}`,
  });
  await store.deadLetters.add(0, [letter('b', 10, 1), letter('b', 10, 0)], at(0));
  await store.deadLetters.add(
    0,
    [letter('b', 10, 0), letter('b', 10, 2), letter('b', 2, 1)],
    at(1),
  );
  await store.deadLetters.add(1, [letter('b', 2, 0), letter('b', 9, 0), letter('a', 3, 0)], at(1));
  await store.deadLetters.add(1, [letter('a', 1, 0)], at(2));
}

/** The failure order, by reason: time, then epoch, job and index. */
const ORDER = [
  'failed b:10:0',
  'failed b:10:1',
  'failed a:3:0',
  'failed b:2:0',
  'failed b:2:1',
  'failed b:9:0',
  'failed b:10:2',
  'failed a:1:0',
];

async function allPages(limit: number, pendingOnly = false): Promise<DeadLetterView[][]> {
  const pages: DeadLetterView[][] = [];
  let after: DeadLetterPosition | undefined;
  do {
    const page = await store.deadLetters.page({ limit, after, pendingOnly });
    pages.push(page.items);
    after = page.next;
    if (pages.length > 20) throw new Error('the pages never end');
  } while (after !== undefined);
  return pages;
}

describe('dead letters, a page at a time', () => {
  beforeAll(addLetters);

  it('reads every letter once, in failure order, whatever the page size', async () => {
    for (const limit of [1, 2, 3, 7, 8, 100]) {
      const pages = await allPages(limit);
      expect(pages.flat().map((l) => l.reason)).toStrictEqual(ORDER);
      // Only the last page may be short, and none is empty: a full page says whether more follow.
      expect(pages.slice(0, -1).every((p) => p.length === limit)).toBe(true);
      expect(pages.at(-1)?.length).toBeGreaterThan(0);
    }
    expect((await store.deadLetters.list()).map((l) => l.reason)).toStrictEqual(ORDER);
  });

  it('gives every letter once, in failure order, in batches of the size asked', async () => {
    for (const size of [1, 3, 8, 100]) {
      const batches: string[][] = [];
      for await (const batch of store.deadLetters.batches({ size }))
        batches.push(batch.map((l) => l.reason));
      expect(batches.flat()).toStrictEqual(ORDER);
      expect(batches.slice(0, -1).every((b) => b.length === size)).toBe(true);
      expect(batches.at(-1)?.length).toBeGreaterThan(0);
    }
  });

  it('goes on after where it stopped, though letters were replayed and added meanwhile', async () => {
    const first = await store.deadLetters.page({ limit: 3, pendingOnly: true });
    expect(first.items.map((l) => l.reason)).toStrictEqual(ORDER.slice(0, 3));
    const replayed = first.items.map((l) => l.id);
    await store.deadLetters.markReplayed([...replayed, 'b:2:1'], at(5));
    await store.deadLetters.add(
      1,
      [{ seq: { epoch: 'a', job: 0, index: 0 }, item: item(0), reason: 'failed a:0:0' }],
      at(1), // before where the first page ended: not read again
    );
    const rest = await store.deadLetters.page({ limit: 10, pendingOnly: true, after: first.next });
    expect(rest.items.map((l) => l.reason)).toStrictEqual([
      'failed b:2:0',
      'failed b:9:0',
      'failed b:10:2',
      'failed a:1:0',
    ]);
    expect(rest.next).toBeUndefined();
    // From the start, the pending ones: the one added before the first page's end is there.
    const pending = (await allPages(2, true)).flat().map((l) => l.reason);
    expect(pending).toStrictEqual([
      'failed a:0:0',
      'failed b:2:0',
      'failed b:9:0',
      'failed b:10:2',
      'failed a:1:0',
    ]);
  });
});
