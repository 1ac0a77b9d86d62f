import {
  mixpanelField,
  validateGroupKey,
  type MixpanelDeletion,
  type ValidationProblem,
} from '@groupidentify/ops';
import type { PlatformErasure } from '../accept-platform-calls.js';

/**
 * Mixpanel's `$delete` updates (`groups.delete_group()`) as erasures of the groups they name, in
 * their place among the request's updates (docs/sdks.md). Their `$group_key` and `$group_id` are
 * validated as any group's; a problem is added to `problems`, so that the request is refused as
 * a whole. Deleting a group that was never written is accepted, as Mixpanel accepts it, and
 * leaves nothing behind but the erasure's own value-free record.
 */
export function erasuresOf(
  deletions: readonly MixpanelDeletion[],
  problems: ValidationProblem[],
): PlatformErasure[] {
  const erasures: PlatformErasure[] = [];
  for (const d of deletions) {
    const found: ValidationProblem[] = [];
    const key = validateGroupKey(d.group_type, d.group_value, d.index, found);
    problems.push(...found.map((p) => ({ ...p, field: mixpanelField(p.field) })));
    if (key !== undefined) erasures.push({ index: d.index, ...key });
  }
  return erasures;
}
