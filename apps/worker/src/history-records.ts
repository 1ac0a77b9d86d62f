import {
  encodeName,
  encodeValue,
  setOwn,
  type AppliedItem,
  type JsonObject,
} from '@groupidentify/ops';
import { BSON } from 'mongodb';
import type { HistoryDocument, Store } from '@groupidentify/store';
import { allDuplicateKeys } from './insert-id-claims.js';
import { seqId, type SequencedItem } from './sequenced-item.js';

/** A history record stays well under MongoDB's 16 MB document limit. */
export const MAX_HISTORY_RECORD_BYTES = 8 * 1024 * 1024;

/**
 * The history record of one applied item (SPEC §5), names and values in storage form. When the
 * record would be too large (a change to a multi-megabyte property), the largest `from`/`to`
 * values are left out, largest first, and listed in that change's `omitted`; `as_of` cannot
 * rewind across such a change and says so.
 */
export function historyRecord(
  s: SequencedItem,
  applied: AppliedItem,
  appliedAt: Date,
): HistoryDocument {
  const changes: JsonObject = {};
  const sides: { change: JsonObject; side: 'from' | 'to'; bytes: number }[] = [];
  let total = 0;
  for (const [name, change] of Object.entries(applied.changes)) {
    const stored: JsonObject = {};
    for (const side of ['from', 'to'] as const) {
      const value = change[side];
      if (value === undefined) continue;
      stored[side] = encodeValue(value);
      const bytes = BSON.calculateObjectSize({ v: stored[side] });
      sides.push({ change: stored, side, bytes });
      total += bytes;
    }
    setOwn(changes, encodeName(name), stored);
  }
  for (const big of sides.sort((a, b) => b.bytes - a.bytes)) {
    if (total <= MAX_HISTORY_RECORD_BYTES) break;
    Reflect.deleteProperty(big.change, big.side);
    big.change['omitted'] = [...((big.change['omitted'] as string[] | undefined) ?? []), big.side];
    total -= big.bytes;
  }
  const record: HistoryDocument = {
    _id: seqId(s.seq),
    group: s.group,
    project: s.item.project,
    version: applied.version,
    received_at: new Date(s.item.received_at),
    applied_at: appliedAt,
    group_properties: encodeValue(s.item.group_properties) as JsonObject,
    changes,
    skipped: applied.skipped,
  };
  if (s.item.insert_id !== undefined) record.insert_id = s.item.insert_id;
  return record;
}

/** Writes history records; ones already written (a redelivered job) are left as they are. */
export async function writeHistory(
  store: Store,
  records: readonly HistoryDocument[],
): Promise<void> {
  if (records.length === 0) return;
  try {
    await store.history.insertMany([...records], { ordered: false });
  } catch (error) {
    if (!allDuplicateKeys(error)) throw error;
  }
}
