import type { CountChange, HistoryDocument } from '@groupidentify/store';

/**
 * What a batch adds to the group counts of each of its `projects` (docs/storage.md#group-counts):
 * per group type, the sum of the `live_delta` of the batch's records (`GroupsOutcome.counted`).
 * `raced`: another worker wrote some group meanwhile, so the sums may be off and every project's
 * counts are marked to be recounted instead.
 */
export function countChanges(
  projects: Iterable<string>,
  records: readonly HistoryDocument[],
  raced: boolean,
): Map<string, CountChange> {
  const changes = new Map<string, { delta: Map<string, number>; exact: boolean }>();
  for (const project of projects) changes.set(project, { delta: new Map(), exact: !raced });
  for (const r of records) {
    const change = changes.get(r.project);
    if (change === undefined || r.live_delta === undefined) continue;
    const type = groupTypeOf(r.group);
    change.delta.set(type, (change.delta.get(type) ?? 0) + r.live_delta);
  }
  return changes;
}

/** The group type in a group `_id` (`groupId`: the JSON array of project, type and value). */
function groupTypeOf(group: string): string {
  const key = JSON.parse(group) as unknown;
  if (!Array.isArray(key) || typeof key[1] !== 'string')
    throw new Error(`internal: not a group id: ${group}`);
  return key[1];
}
