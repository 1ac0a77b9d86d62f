import type { AnnouncedSegment } from '@groupidentify/queue-contract';
import { changeViewOf } from '@groupidentify/store';
import type { GroupsOutcome } from './group-writes.js';
import type { SequencedItem } from './sequenced-item.js';

/**
 * What the batch's notice may carry for readers to take instead of reading the store
 * (docs/guarantees.md#change-feed): per project, the batch's positions — which must follow one
 * another — with the change at each that has one. Only when every position's record is known:
 * the batch went the plain way (its records were all new, in one round, with no erasure) and
 * every item it kept was applied or dead-lettered now (none had been applied by an earlier
 * delivery, whose record this run did not write). Otherwise undefined: readers read the store.
 */
export function announcedSegments(
  placed: readonly SequencedItem[],
  kept: number,
  outcome: GroupsOutcome,
): Map<string, AnnouncedSegment> | undefined {
  if (outcome.history === undefined) return undefined;
  if (outcome.applied.length + outcome.poisoned.length !== kept) return undefined;
  const ranges = new Map<string, { first: number; last: number; count: number }>();
  for (const { item, position } of placed) {
    if (position === undefined) return undefined;
    const range = ranges.get(item.project);
    if (range === undefined)
      ranges.set(item.project, { first: position, last: position, count: 1 });
    else {
      range.first = Math.min(range.first, position);
      range.last = Math.max(range.last, position);
      range.count++;
    }
  }
  const segments = new Map<string, AnnouncedSegment>();
  for (const [project, { first, last, count }] of ranges) {
    if (last - first + 1 !== count) return undefined; // not one run of positions
    segments.set(project, { after: first - 1, to: last, changes: [] });
  }
  const positionOf = new Map(placed.map((s) => [s.recordId, s.position]));
  for (const record of outcome.history) {
    const position = positionOf.get(record._id);
    const segment = segments.get(record.project);
    if (position === undefined || segment === undefined) return undefined;
    const change = changeViewOf(record);
    if (change !== undefined) segment.changes.push({ position, change });
  }
  for (const segment of segments.values()) segment.changes.sort((a, b) => a.position - b.position);
  return segments;
}
