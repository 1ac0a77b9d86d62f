import type { ChangeView, FeedCursor } from '@groupidentify/store';
import type { ChangeNotices } from './change-notices.js';

/** What a follower reads: a page of changes and where the next one starts. */
export interface FollowedPage {
  items: ChangeView[];
  next: FeedCursor;
}

export interface FollowOptions<P extends FollowedPage> {
  notices: ChangeNotices;
  from: FeedCursor;
  /** Reads the page after a cursor ({@link readFeedPage}, with what the reader adds). */
  read: (from: FeedCursor) => Promise<P>;
  /** How long to wait for a notice after a page that moved nothing (ms), asked each time. */
  waitMs: () => number;
  /** Once aborted, no page is read (and a wait ends): the pages end. */
  stop: AbortSignal;
  /** Ends a wait early without stopping: the next page is read at once. */
  wake?: AbortSignal | undefined;
  /** Counts the waits while they wait (a gauge). */
  waiters?: { inc(): void; dec(): void } | undefined;
}

/**
 * The pages of a project's feed from `from` on, as they come (docs/guarantees.md#notices): takes
 * the project's notice counter, reads a page, yields it with whether it moved the cursor; after
 * a page that moved nothing, waits for a notice (one that came during the read counts) for up to
 * `waitMs()`, then reads again; after one that moved, reads on at once (it may have passed over
 * changes of other types). Ends when `stop` aborts, or when the caller stops taking pages.
 */
export async function* followFeed<P extends FollowedPage>(
  options: FollowOptions<P>,
): AsyncGenerator<P & { moved: boolean }, void, undefined> {
  const { notices, read, stop } = options;
  const { project } = options.from;
  let from = options.from;
  const signal = options.wake === undefined ? stop : AbortSignal.any([stop, options.wake]);
  while (!stop.aborted) {
    const seen = notices.counter(project);
    const page = await read(from);
    const moved = !samePositions(page.next, from);
    from = page.next;
    yield { ...page, moved };
    if (page.items.length > 0 || moved) continue;
    options.waiters?.inc();
    try {
      await notices.wait(project, seen, options.waitMs(), signal);
    } finally {
      options.waiters?.dec();
    }
  }
}

/** Whether two cursors of a project stand at the same positions (a page that moved nothing). */
export const samePositions = (a: FeedCursor, b: FeedCursor): boolean =>
  a.positions.length === b.positions.length && a.positions.every((p, i) => p === b.positions[i]);
