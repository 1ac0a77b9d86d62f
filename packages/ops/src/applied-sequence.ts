/**
 * Position of an item in a partition queue's life: `epoch` names the queue's life (a Redis wipe
 * starts a new one, where job ids restart at 1), `job` the BullMQ job id, `index` the item's
 * place in the job. A group stores the last one applied to it (docs/guarantees.md).
 */
export interface AppliedSequence {
  epoch: string;
  job: number;
  index: number;
}

/**
 * True when `item` was already applied to a group whose last applied item is `last`.
 * Items of another epoch are never considered applied: sequences of different queue lives are
 * not comparable, and skipping would lose updates.
 */
export function isAlreadyApplied(
  item: AppliedSequence,
  last: AppliedSequence | undefined,
): boolean {
  if (last === undefined || item.epoch !== last.epoch) return false;
  return item.job < last.job || (item.job === last.job && item.index <= last.index);
}

/** True when `a` is the position `b`. */
export function sameSequence(a: AppliedSequence | undefined, b: AppliedSequence): boolean {
  return a !== undefined && a.epoch === b.epoch && a.job === b.job && a.index === b.index;
}
