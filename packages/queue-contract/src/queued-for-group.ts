import type { GroupKey } from '@groupidentify/ops';
import type { Queue } from 'bullmq';
import type { Store } from '@groupidentify/store';
import type { JobPayload } from './job-payload.js';

/**
 * Whether a partition queue holds an item of this group that no worker has finished: an
 * identification accepted moments ago exists for its client, though no worker has written it.
 * Reads every unfinished job of the partition: for rare calls (erasure), not the hot path.
 */
export async function queuedForGroup(queue: Queue<JobPayload>, key: GroupKey): Promise<boolean> {
  const jobs = await queue.getJobs(['wait', 'active', 'delayed', 'prioritized']);
  // Job data is read as found: an unreadable job has no items to look at.
  return jobs.some((job) => {
    const items: unknown = (job.data as { items?: unknown } | null)?.items;
    return Array.isArray(items) && items.some((item: unknown) => isItemOf(item, key));
  });
}

/**
 * Whether a group exists for its clients (erasure answers 404 otherwise): an item of it is
 * queued, or a worker has written it. Queue first, then store: a worker writes a group before it
 * completes the job, so an item that has left the queue by the first look is in the store by the
 * second.
 */
export async function groupKnown(
  queue: Queue<JobPayload>,
  store: Pick<Store, 'groups'>,
  key: GroupKey,
): Promise<boolean> {
  return (await queuedForGroup(queue, key)) || (await store.groups.everWritten(key));
}

function isItemOf(item: unknown, key: GroupKey): boolean {
  const i = item as Partial<GroupKey> | null;
  return (
    i?.project === key.project &&
    i.group_type === key.group_type &&
    i.group_value === key.group_value
  );
}
