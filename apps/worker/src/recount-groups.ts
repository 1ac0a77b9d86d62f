import { partitionOf } from '@groupidentify/queue-contract';
import type { Store } from '@groupidentify/store';

/**
 * Counts the project's live groups of one partition again, per type, and replaces the partition's
 * counts with them (docs/storage.md#group-counts): after two workers raced on the partition, when
 * what a commit added may be off. Run by the partition's consumer between its batches, so no
 * commit comes in between; if one does (another race), the counts stay marked and the next
 * commit's consumer tries again. A scan of the project's groups: rare, and never on the path of
 * a batch's own writes.
 */
export async function recountGroups(
  store: Store,
  project: string,
  partition: number,
  partitions: number,
): Promise<boolean> {
  const atCommitted = await store.feed.committed(project, partition);
  const counts = await store.groups.countLive(
    project,
    (key) => partitionOf(key, partitions) === partition,
  );
  return store.feed.setCounts(project, partition, counts, atCommitted);
}
