import { groupId, type AppliedSequence } from '@groupidentify/ops';
import type { QueuedItem } from '@groupidentify/queue-contract';

/** A queued item with its place in the partition's life (DESIGN §4). */
export interface SequencedItem {
  item: QueuedItem;
  seq: AppliedSequence;
  /** `_id` of the item's group. */
  group: string;
}

export function sequenceItems(
  items: readonly QueuedItem[],
  epoch: string,
  job: number,
): SequencedItem[] {
  return items.map((item, index) => ({ item, seq: { epoch, job, index }, group: groupId(item) }));
}

/** A stable id for anything written once per item (history, dead letters). */
export function seqId(seq: AppliedSequence): string {
  return `${seq.epoch}:${seq.job}:${seq.index}`;
}

export function sameSeq(a: AppliedSequence, b: AppliedSequence): boolean {
  return a.epoch === b.epoch && a.job === b.job && a.index === b.index;
}
