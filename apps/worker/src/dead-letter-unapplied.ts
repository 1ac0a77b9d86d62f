import { isAlreadyApplied } from '@groupidentify/ops';
import { isDeletion, type JobPayload } from '@groupidentify/queue-contract';
import type { Store } from '@groupidentify/store';
import { placeInFeed, type JobPosition } from './apply-items.js';
import { releaseClaims } from './insert-id-claims.js';
import { sequenceItems } from './sequenced-item.js';

/**
 * Last resort for a job that keeps failing: dead-letter every item its group has not applied
 * yet (so a replay cannot apply anything twice), and give back their insert_id claims. A
 * failed attempt may have written history records of such items: they are taken back, and the
 * job's change feed positions committed, so the changes it did apply are seen at once.
 * Returns how many were dead-lettered, and how many of them are erasures.
 */
export async function deadLetterUnapplied(
  store: Store,
  payload: JobPayload,
  position: JobPosition,
  reason: string,
): Promise<{ letters: number; erasures: number }> {
  const placed = await placeInFeed(
    store,
    position.partition,
    sequenceItems(payload.items, position.epoch, position.job),
  );
  const items = placed.items;
  const groups = await store.groups.load(items.map((s) => s.groupId));
  const unapplied = items.filter((s) => !isAlreadyApplied(s.seq, groups.get(s.groupId)?.applied));
  await store.deadLetters.add(
    position.partition,
    unapplied.map((s) => ({ seq: s.seq, item: s.item, reason })),
    new Date(),
  );
  await releaseClaims(store, unapplied);
  await store.history.remove(
    unapplied.flatMap((s) => (s.recordId === undefined ? [] : [s.recordId])),
  );
  await store.feed.commit(position.partition, placed.last);
  return {
    letters: unapplied.length,
    erasures: unapplied.filter((s) => isDeletion(s.item)).length,
  };
}
