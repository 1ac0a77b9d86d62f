import type { FeedChange } from '../api/types';

/** How many changes the screen keeps: the newest; older ones drop off the bottom. */
export const KEPT = 500;

/** A change as the screen holds it: numbered in the order it arrived (1 for the first). */
export interface Arrived {
  seq: number;
  change: FeedChange;
  /** For a deletion: how many earlier changes of the group it took off the list. */
  erased?: number;
}

/** What the screen shows: the latest changes, newest first, and how many came in all. */
export interface ChangeList {
  items: readonly Arrived[];
  received: number;
  /** Changes taken off the list because their group was deleted since. */
  erased: number;
}

export const EMPTY_LIST: ChangeList = { items: [], received: 0, erased: 0 };

/**
 * `list` with `changes` (oldest first, as they arrived) on top, cut to the newest `kept`. A
 * deletion takes the earlier changes of its group off the list, as the API asks of a reader
 * (docs/api.md#change-feed): their values are erased, and the feed itself no longer has them.
 * Earlier deletions of the group stay; they hold no values.
 */
export function addChanges(
  list: ChangeList,
  changes: readonly FeedChange[],
  kept = KEPT,
): ChangeList {
  if (changes.length === 0) return list;
  let items = [...list.items];
  let { received, erased } = list;
  for (const change of changes) {
    received += 1;
    let entry: Arrived = { seq: received, change };
    if (change.kind === 'delete') {
      const before = items.length;
      // A deletion does not carry its group's value: shown with the one of the group's earlier
      // changes still listed, if any.
      const value = items.find((a) => sameGroup(a.change, change))?.change.group_value;
      items = items.filter((a) => a.change.kind === 'delete' || !sameGroup(a.change, change));
      entry = {
        ...entry,
        change: value === undefined ? change : { ...change, group_value: value },
        erased: before - items.length,
      };
      erased += before - items.length;
    }
    items.unshift(entry);
    if (items.length > kept) items.length = kept;
  }
  return { items, received, erased };
}

function sameGroup(a: FeedChange, b: FeedChange): boolean {
  if (a.group_type !== b.group_type) return false;
  // Every change carries the keyed hash of its group's value; a deletion carries only that.
  if (a.group_hash !== undefined && b.group_hash !== undefined)
    return a.group_hash === b.group_hash;
  return b.group_value !== undefined && a.group_value === b.group_value;
}
