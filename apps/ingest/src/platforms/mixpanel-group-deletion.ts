import type { MixpanelDeletion } from '@groupidentify/ops';
import { HttpError } from '../http-error.js';

/**
 * What `/groups` does with Mixpanel's `$delete` updates (`groups.delete_group()`): the one place
 * that decides it. Group erasure is not built yet, so a request holding any is refused as a
 * whole (a 400 in Mixpanel's shape, nothing of it enqueued) rather than answered `1` while the
 * group stays. When erasure exists, wire it here: the deletions carry the update's index and its
 * `$group_key`/`$group_id` as sent, still to be validated like any group_type and group_value.
 */
export function handleGroupDeletions(deletions: readonly MixpanelDeletion[]): void {
  if (deletions.length === 0) return;
  throw new HttpError(400, 'deleting groups ($delete) is not supported yet');
}
