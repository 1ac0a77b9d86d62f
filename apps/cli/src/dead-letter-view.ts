import { decodeValue, isJsonObject, type JsonValue } from '@groupidentify/ops';
import type { DeadLetterDocument } from '@groupidentify/store';

/** Who a dead-lettered item was for; absent when the whole job was unreadable. */
export interface GroupRef {
  project: string;
  group_type: string;
  group_value: string;
}

/** A dead letter as the CLI shows it (`--json`): item decoded, times ISO-8601. */
export interface DeadLetterView {
  id: string;
  partition: number;
  failed_at: string;
  reason: string;
  group: GroupRef | null;
  replayable: boolean;
  replayed_at: string | null;
  item: JsonValue;
}

/**
 * The worker stores an unreadable job (one that is not a valid payload at all) as one letter
 * with index -1 and the raw job data as its item: there is no identification to re-enqueue.
 */
export function isUnreadableJob(doc: DeadLetterDocument): boolean {
  return doc.seq.index === -1;
}

function groupOf(item: JsonValue): GroupRef | null {
  if (!isJsonObject(item)) return null;
  const { project, group_type, group_value } = item;
  return typeof project === 'string' &&
    typeof group_type === 'string' &&
    typeof group_value === 'string'
    ? { project, group_type, group_value }
    : null;
}

export function viewDeadLetter(doc: DeadLetterDocument): DeadLetterView {
  const item = decodeValue(doc.item);
  const unreadable = isUnreadableJob(doc);
  return {
    id: doc._id,
    partition: doc.partition,
    failed_at: doc.failed_at.toISOString(),
    reason: doc.reason,
    group: unreadable ? null : groupOf(item),
    replayable: !unreadable,
    replayed_at: doc.replayed_at?.toISOString() ?? null,
    item,
  };
}

/** Oldest failure first; items of one job in job order (ids sort as text, not as numbers). */
export function byFailure(a: DeadLetterDocument, b: DeadLetterDocument): number {
  return (
    a.failed_at.getTime() - b.failed_at.getTime() ||
    a.seq.epoch.localeCompare(b.seq.epoch) ||
    a.seq.job - b.seq.job ||
    a.seq.index - b.seq.index
  );
}
