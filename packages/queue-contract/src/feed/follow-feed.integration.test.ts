import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { uniqueName } from '@groupidentify/local-services';
import type { FeedCursor } from '@groupidentify/store';
import { announceChanges, ChangeNotices } from './change-notices.js';
import { followFeed } from './follow-feed.js';

// The follow loop of every server-side reader, over a real Redis subscription: a page that moved
// nothing waits for a notice (one that came during the read included), one that moved is
// followed at once. The pages come from a list here: what they hold is readFeedPage's business.
const prefix = uniqueName('gi_follow');
const project = 'p';
let publisher: Redis;
let notices: ChangeNotices;

beforeAll(async () => {
  publisher = new Redis(inject('redisUrl'));
  notices = await ChangeNotices.subscribe(new Redis(inject('redisUrl')), prefix);
});

afterAll(async () => {
  await notices.close();
  await publisher.quit();
});

const at = (position: number): FeedCursor => ({ project, positions: [position] });
const announce = () => announceChanges(publisher, prefix, 0, new Map([[project, 1]]));

describe('followFeed', () => {
  it('waits after a page that moved nothing, and not after one that moved', async () => {
    // Each read answers the next of these: where the page ends, and whether it has a change.
    const script = [
      { to: 1, change: false }, // passed over a record of another type: read on at once
      { to: 1, change: false }, // nothing new: wait for a notice
      { to: 2, change: true },
    ];
    const stop = new AbortController();
    const reads: number[] = [];
    const pages = followFeed({
      notices,
      from: at(0),
      read: (from) => {
        reads.push(Date.now());
        const next = script.shift() ?? { to: from.positions[0] ?? 0, change: false };
        return Promise.resolve({
          items: next.change ? [{ cursor: 'c' } as never] : [],
          next: at(next.to),
        });
      },
      waitMs: () => 10_000,
      stop: stop.signal,
    });
    const seen: { moved: boolean; items: number }[] = [];
    let announcedAt = Infinity;
    const noticed = (async () => {
      // Announced once the loop waits (after its second read).
      while (reads.length < 2) await new Promise((resolve) => setTimeout(resolve, 10));
      await new Promise((resolve) => setTimeout(resolve, 200));
      announcedAt = Date.now();
      await announce();
    })();
    for await (const page of pages) {
      seen.push({ moved: page.moved, items: page.items.length });
      if (page.items.length > 0) break;
    }
    await noticed;
    expect(seen).toEqual([
      { moved: true, items: 0 },
      { moved: false, items: 0 },
      { moved: true, items: 1 },
    ]);
    // No wait after the first page (that would be 10 s); the third read came with the notice.
    expect((reads[1] ?? Infinity) - (reads[0] ?? 0)).toBeLessThan(5_000);
    expect(reads[2]).toBeGreaterThanOrEqual(announcedAt);
  });

  it('misses no notice that came during a read, and ends when stopped', async () => {
    const stop = new AbortController();
    let reads = 0;
    const pages = followFeed({
      notices,
      from: at(5),
      read: async (from) => {
        reads++;
        if (reads === 1) {
          // A notice while the store is read: the wait that follows returns at once.
          const woken = notices.wait(project, notices.counter(project), 5_000);
          await announce();
          await woken;
        }
        if (reads === 2) stop.abort();
        return { items: [], next: from };
      },
      waitMs: () => 10_000,
      stop: stop.signal,
    });
    const started = Date.now();
    let count = 0;
    for await (const _page of pages) count++;
    expect(count).toBe(2);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
