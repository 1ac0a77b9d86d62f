import type { AppliedSequence } from './applied-sequence.js';
import type { EventKey, IndexedEvent } from './event-time.js';
import type { JsonObject } from './json.js';

/** Who a group is: a project's (group_type, group_value). */
export interface GroupKey {
  project: string;
  group_type: string;
  group_value: string;
}

/**
 * A group as stored in MongoDB's `groups` collection. Its properties are in the store's form
 * (`StoredForm`).
 */
export interface GroupDocument extends GroupKey {
  _id: string;
  /** Properties in stored form. */
  properties: JsonObject;
  /**
   * Number of items (identifications and erasures) ever applied to this `_id`: it only grows, and
   * it is the optimistic-concurrency guard of every write.
   */
  version: number;
  /**
   * `version` when the group's current life began (its last erasure; absent: 0). What the API
   * calls the version is `version - base`: a group recreated after an erasure starts at 1.
   */
  base?: number;
  /**
   * Set on an erased group: a value-free record that keeps `version` and `applied`, so that a
   * stale write can never bring erased values back. The API answers 404 for it.
   */
  erased?: true;
  /**
   * For a group placed in event-time order: the place of its latest identification
   * (docs/semantics.md#event-time). An identification placed before it is late.
   */
  event_key?: EventKey;
  /**
   * Its latest identifications in event-time order (at most `EVENT_INDEX_SIZE`), each with its
   * history record: what a late one is placed before is read from there by `_id`.
   */
  event_index?: IndexedEvent[];
  /** Earlier identifications of the order were left out of `event_index`. */
  event_index_trimmed?: true;
  /**
   * The version after which the current event-time order began: its last identification placed
   * by arrival (absent: the life's start). A late one is never placed before it.
   */
  fold_from?: number;
  /** The last applied item; items at or below it are skipped on redelivery. */
  applied?: AppliedSequence;
  /** When the current life began. */
  created_at: Date;
  updated_at: Date;
}

/** The group's version as the API shows it: counted from its current life's start. */
export function visibleVersion(doc: Pick<GroupDocument, 'version' | 'base'>): number {
  return doc.version - (doc.base ?? 0);
}

/**
 * The group's `_id`: unambiguous for any strings (a JSON array), so that no choice of type and
 * value can collide with another group's.
 */
export function groupId(key: GroupKey): string {
  return JSON.stringify([key.project, key.group_type, key.group_value]);
}
