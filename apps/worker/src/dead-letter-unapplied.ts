import { isAlreadyApplied } from '@groupidentify/ops';
import type { JobPayload } from '@groupidentify/queue-contract';
import type { Store } from '@groupidentify/store';
import type { JobPosition } from './apply-items.js';
import { releaseClaims } from './insert-id-claims.js';
import { sequenceItems } from './sequenced-item.js';

/**
 * Last resort for a job that keeps failing: dead-letter every item its group has not applied
 * yet (so a replay cannot apply anything twice), and give back their insert_id claims.
 * Returns how many were dead-lettered.
 */
export async function deadLetterUnapplied(
  store: Store,
  payload: JobPayload,
  position: JobPosition,
  reason: string,
): Promise<number> {
  const items = sequenceItems(payload.items, position.epoch, position.job);
  const groups = await store.groups.load(items.map((s) => s.groupId));
  const unapplied = items.filter((s) => !isAlreadyApplied(s.seq, groups.get(s.groupId)?.applied));
  await store.deadLetters.add(
    position.partition,
    unapplied.map((s) => ({ seq: s.seq, item: s.item, reason })),
    new Date(),
  );
  await releaseClaims(store, unapplied);
  return unapplied.length;
}
