import {
  encodeValue,
  type AppliedSequence,
  type JsonObject,
  type JsonValue,
} from '@groupidentify/ops';
import type { DeadLetterDocument, Store } from '@groupidentify/store';
import { allDuplicateKeys } from './insert-id-claims.js';
import { seqId } from './sequenced-item.js';

/** One thing that could not be applied, and why. */
export interface DeadLetter {
  seq: AppliedSequence;
  /** The queued item, or the raw job data when the job itself was unreadable. */
  item: unknown;
  reason: string;
}

/**
 * Stores dead letters (SPEC §4 poison) with deterministic ids, so a redelivered job records each
 * once. The item is kept in storage form; the CLI decodes it to list or replay it.
 */
export async function storeDeadLetters(
  store: Store,
  partition: number,
  letters: readonly DeadLetter[],
  now: Date,
): Promise<void> {
  if (letters.length === 0) return;
  const docs: DeadLetterDocument[] = letters.map((l) => ({
    _id: seqId(l.seq),
    partition,
    seq: l.seq,
    reason: l.reason,
    failed_at: now,
    item: encodeValue(toJson(l.item)) as JsonObject,
  }));
  try {
    await store.deadLetters.insertMany(docs, { ordered: false });
  } catch (error) {
    if (!allDuplicateKeys(error)) throw error;
  }
}

function toJson(value: unknown): JsonValue {
  const json = JSON.parse(JSON.stringify(value ?? null)) as JsonValue;
  return typeof json === 'object' && json !== null && !Array.isArray(json) ? json : { data: json };
}
