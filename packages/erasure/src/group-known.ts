import type { GroupKey } from '@groupidentify/ops';
import { isGroupQueued, type JobPayload } from '@groupidentify/queue-contract';
import type { Store } from '@groupidentify/store';
import type { Queue } from 'bullmq';

/**
 * Whether a group exists for its clients (erasure answers 404 otherwise): it was ever written,
 * or its partition's queued-groups set holds it (docs/guarantees.md#erasure). Two constant-cost
 * reads whatever the backlog. Set first, then store: a worker writes a group before it takes it
 * out of the set, so a group gone from the set by the first look is in the store by the second.
 */
export async function groupKnown(
  queue: Queue<JobPayload>,
  store: Pick<Store, 'groups'>,
  key: GroupKey,
): Promise<boolean> {
  return (await isGroupQueued(queue, key)) || (await store.groups.everWritten(key));
}
