import { groupId, type AppliedSequence } from '@groupidentify/ops';
import type { QueuedItem } from '@groupidentify/queue-contract';

/** A queued item with its place in the partition queue's life. */
export interface SequencedItem {
  item: QueuedItem;
  seq: AppliedSequence;
  /** `_id` of the item's group. */
  groupId: string;
  /** Its history record's `_id`: its change feed position (set when the batch reserves them). */
  recordId?: string;
  /** That position. */
  position?: number;
}

export function sequenceItems(
  items: readonly QueuedItem[],
  epoch: string,
  job: number,
): SequencedItem[] {
  return items.map((item, index) => ({ item, seq: { epoch, job, index }, groupId: groupId(item) }));
}
