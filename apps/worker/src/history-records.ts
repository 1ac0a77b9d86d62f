import {
  encodeName,
  encodeValue,
  setOwn,
  type AppliedItem,
  type JsonObject,
} from '@groupidentify/ops';
import type { HistoryDocument, Store } from '@groupidentify/store';
import { allDuplicateKeys } from './insert-id-claims.js';
import { seqId, type SequencedItem } from './sequenced-item.js';

/** The history record of one applied item (SPEC §5), names and values in storage form. */
export function historyRecord(
  s: SequencedItem,
  applied: AppliedItem,
  appliedAt: Date,
): HistoryDocument {
  const changes: JsonObject = {};
  for (const [name, change] of Object.entries(applied.changes)) {
    const stored: JsonObject = {};
    if (change.from !== undefined) stored['from'] = encodeValue(change.from);
    if (change.to !== undefined) stored['to'] = encodeValue(change.to);
    setOwn(changes, encodeName(name), stored);
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
