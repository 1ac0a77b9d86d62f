import type { AppliedSequence } from '@groupidentify/ops';

/**
 * The `_id` of what is written once per queued item (its history record, its dead letter): its
 * position in the partition queue's life, so a redelivered job writes nothing twice.
 */
export function sequenceId(seq: AppliedSequence): string {
  return `${seq.epoch}:${seq.job}:${seq.index}`;
}
