import {
  readChangePage,
  type ChangeFeedStore,
  type FeedCursor,
  type PageOptions,
} from '@groupidentify/store';
import type { ChangeNotices } from './change-notices.js';

/**
 * A change feed page after `from`, read with what this process's notices know
 * (docs/guarantees.md#change-feed): partitions whose announced changes follow on from the cursor
 * are taken from them; others announced are read at once, alongside the store's positions;
 * only when the notices show nothing new are the store's positions read first. What the store's
 * positions show is noted for the next page; a page taken wholly from announcements still has
 * them read (in the background, once a second), so that a partition whose notice was lost, and
 * which has had no batch since, waits no longer than that.
 */
export async function readFeedPage(
  feed: ChangeFeedStore,
  notices: ChangeNotices,
  from: FeedCursor,
  options: Omit<PageOptions, 'committed' | 'announced'>,
) {
  const { project } = from;
  const page = await readChangePage(feed, from, {
    ...options,
    committed: notices.committed(project),
    announced: (partition, position) => notices.changesAfter(project, partition, position),
  });
  if (page.heads !== undefined) notices.noteCommitted(project, page.heads);
  else if (notices.headsDue(project))
    feed.heads(project, options.partitions).then(
      (heads) => notices.noteCommitted(project, heads),
      () => undefined, // the next page tries again
    );
  return page;
}
