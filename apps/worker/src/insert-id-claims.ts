import { findByIds, type InsertIdClaim, type Store } from '@groupidentify/store';
import { sameSeq, type SequencedItem } from './sequenced-item.js';
import { isDuplicateKey } from './transient-errors.js';

// Keyed by group (whose id starts with the project) and insert_id: a client's retry resends the
// same identification to the same group, while one HTTP V2 event whose `groups` fans out to
// several groups carries one insert_id for all of them, and each must apply (SPEC §2.2).
const claimId = (s: Pick<SequencedItem, 'group' | 'item'>): string =>
  JSON.stringify([s.group, s.item.insert_id]);

/**
 * Client-retry dedup (SPEC §4): every item with an `insert_id` tries to claim it; the store then
 * says who holds each claim, and only the holder is applied. A redelivered item finds its own
 * claim (same sequence) and is applied again — which the group's sequence guard makes a no-op.
 * Returns the items to apply, in order.
 */
export async function dropDuplicates(
  store: Store,
  items: readonly SequencedItem[],
  now: Date,
): Promise<SequencedItem[]> {
  const withId = items.filter((s) => s.item.insert_id !== undefined);
  if (withId.length === 0) return [...items];
  const first = new Map<string, InsertIdClaim>();
  for (const s of withId) {
    const id = claimId(s);
    if (!first.has(id)) first.set(id, { _id: id, seq: s.seq, created_at: now });
  }
  try {
    await store.insertIds.insertMany([...first.values()], { ordered: false });
  } catch (error) {
    if (!allDuplicateKeys(error)) throw error;
  }
  const claims = await findByIds(store.insertIds, [...first.keys()]);
  const holder = new Map(claims.map((c) => [c._id, c.seq]));
  return items.filter((s) => {
    if (s.item.insert_id === undefined) return true;
    const seq = holder.get(claimId(s));
    return seq !== undefined && sameSeq(seq, s.seq);
  });
}

/** Gives back the claims of items that were not applied (dead letters), so a replay can apply them. */
export async function releaseClaims(store: Store, items: readonly SequencedItem[]): Promise<void> {
  const withId = items.filter((s) => s.item.insert_id !== undefined);
  if (withId.length === 0) return;
  await store.insertIds.deleteMany({
    $or: withId.map((s) => ({
      _id: claimId(s),
      'seq.epoch': s.seq.epoch,
      'seq.job': s.seq.job,
      'seq.index': s.seq.index,
    })),
  });
}

/** True when a bulk insert failed only on duplicate keys (those documents already exist). */
export function allDuplicateKeys(error: unknown): boolean {
  const writeErrors = (error as { writeErrors?: unknown } | null)?.writeErrors;
  if (Array.isArray(writeErrors))
    return writeErrors.length > 0 && writeErrors.every(isDuplicateKey);
  return isDuplicateKey(error);
}
