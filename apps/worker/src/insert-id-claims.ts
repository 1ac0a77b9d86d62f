import { sameSequence } from '@groupidentify/ops';
import { isDeletion } from '@groupidentify/queue-contract';
import type { InsertIdClaimRequest, Store } from '@groupidentify/store';
import type { SequencedItem } from './sequenced-item.js';

const claimOf = (s: SequencedItem): InsertIdClaimRequest | undefined =>
  isDeletion(s.item) || s.item.insert_id === undefined
    ? undefined
    : { groupId: s.groupId, insertId: s.item.insert_id, seq: s.seq };

/**
 * Client-retry dedup: every item with an `insert_id` claims it; only the holder of each claim is
 * applied. A redelivered item finds its own claim (same position) and is applied again — which
 * the group's sequence guard makes a no-op. Returns the items to apply, in order.
 */
export async function dropDuplicates(
  store: Store,
  items: readonly SequencedItem[],
  now: Date,
): Promise<SequencedItem[]> {
  const claiming = items.flatMap((s) => {
    const claim = claimOf(s);
    return claim === undefined ? [] : [{ s, claim }];
  });
  if (claiming.length === 0) return [...items];
  const holders = await store.insertIds.claim(
    claiming.map((c) => c.claim),
    now,
  );
  const duplicates = new Set(
    claiming.filter((c, i) => !sameSequence(holders[i], c.s.seq)).map((c) => c.s),
  );
  return items.filter((s) => !duplicates.has(s));
}

/** Gives back the claims of items that were not applied (dead letters), so a replay can apply them. */
export async function releaseClaims(store: Store, items: readonly SequencedItem[]): Promise<void> {
  await store.insertIds.release(items.flatMap((s) => claimOf(s) ?? []));
}
