import { createHash } from 'node:crypto';
import {
  canonicalJson,
  compareEventKeys,
  isAlreadyApplied,
  type EventKey,
  type GroupDocument,
  type GroupWritePlan,
} from '@groupidentify/ops';
import type { FoldUpdate, HistoryDocument, Store, TailRecord } from '@groupidentify/store';
import { isDeletion, type QueuedItem } from '@groupidentify/queue-contract';
import type { GroupBatch } from './group-writes.js';

// Identifications of `event_time` projects are placed in event-time order
// (docs/semantics.md#event-time): the pure fold is in packages/ops (`Timeline`); this module
// reads what a late one is placed before, and tells the history records whose step changed.

/**
 * Where an item goes in event-time order, without its version: its event time, and a digest of
 * what it says (properties and insert_id), so that two identifications with one time are ordered
 * the same whichever arrived first. Undefined for an item placed by arrival.
 */
export function eventOf(item: QueuedItem): { time: number; tie: string } | undefined {
  if (isDeletion(item) || item.ordering !== 'event_time') return undefined;
  const said = { group_properties: item.group_properties, insert_id: item.insert_id ?? null };
  const tie = createHash('sha256').update(canonicalJson(said)).digest('base64url').slice(0, 22);
  return { time: item.time ?? item.received_at, tie };
}

/**
 * For each group of `batches` that has identifications placed before its latest one in
 * event-time order: the applied identifications that come after the earliest of them (the tail
 * the fold undoes and does again). Groups without a late identification are left out.
 */
export async function loadEventTails(
  store: Store,
  batches: readonly GroupBatch[],
  docs: ReadonlyMap<string, GroupDocument>,
): Promise<Map<string, TailRecord[]>> {
  const tails = new Map<string, TailRecord[]>();
  for (const batch of batches) {
    const doc = docs.get(batch.groupId);
    if (doc?.event_key === undefined || doc.erased === true) continue;
    const earliest = earliestNew(batch, doc);
    if (earliest === undefined || compareEventKeys(earliest, doc.event_key) >= 0) continue;
    tails.set(batch.groupId, undoable(await store.history.eventTail(doc, earliest)));
  }
  return tails;
}

/**
 * The earliest new identification the batch places before its first erasure or arrival-order
 * item (the ones after those start an order of their own).
 */
function earliestNew(batch: GroupBatch, doc: GroupDocument): EventKey | undefined {
  let earliest: EventKey | undefined;
  for (const entry of batch.entries) {
    if (isAlreadyApplied(entry.seq, doc.applied)) continue;
    const event = eventOf(entry.item);
    if (event === undefined) break;
    const key = { ...event, version: doc.version + 1 };
    if (earliest === undefined || compareEventKeys(key, earliest) < 0) earliest = key;
  }
  return earliest;
}

/**
 * The records a late identification can be placed before: after the latest one whose change was
 * too large to keep in history (it cannot be undone; a late one is placed just after it).
 */
function undoable(records: TailRecord[]): TailRecord[] {
  const barrier = records
    .filter((r) => r.oversized)
    .map((r) => r.key)
    .sort(compareEventKeys)
    .at(-1);
  return barrier === undefined
    ? records
    : records.filter((r) => compareEventKeys(r.key, barrier) > 0);
}

/**
 * The `fold` entries to write for a planned group: the new step, from the plan's version on, of
 * every tail record a late identification changed, and the stale entries of every tail record.
 */
export function foldUpdates(plan: GroupWritePlan, tail: readonly TailRecord[]): FoldUpdate[] {
  const changed = new Map(plan.refolded.map((r) => [r.recordId, r.step]));
  return tail.flatMap((r) => {
    const step = changed.get(r.recordId);
    // An entry at the plan's version may be stale already (an earlier try of the same batch).
    const drop = step === undefined ? r.stale : r.stale.filter((v) => v !== String(plan.version));
    if (step === undefined && drop.length === 0) return [];
    const set = step === undefined ? {} : { [String(plan.version)]: JSON.stringify(step) };
    return [{ recordId: r.recordId, set, drop }];
  });
}

/**
 * The `fold` entries of a batch's new records, written again when some of the records were
 * there already (an earlier try of the batch wrote them, with the entries of its own version).
 */
export function newRecordFolds(records: readonly HistoryDocument[]): FoldUpdate[] {
  return records.flatMap((h) =>
    h.fold === undefined ? [] : [{ recordId: h._id, set: h.fold, drop: [] }],
  );
}
