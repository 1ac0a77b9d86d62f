import type { ChangeFeedStore } from '@groupidentify/store';
import type { ChangeNotices } from './change-notices.js';

/**
 * For a reader of one partition (webhook delivery), the partition's committed feed position as
 * far as known: the one announced by a notice when that is beyond `position` or `readStore` is
 * false, else the store's (which `notices` then keeps for the process's other readers).
 */
export async function committedAfter(
  feed: Pick<ChangeFeedStore, 'heads'>,
  notices: ChangeNotices,
  project: string,
  partition: number,
  position: number,
  partitions: number,
  readStore = true,
): Promise<number> {
  const announced = notices.committed(project)?.[partition] ?? 0;
  if (announced > position || !readStore) return announced;
  const heads = await feed.heads(project, partitions);
  notices.noteCommitted(project, heads);
  return heads[partition] ?? 0;
}
