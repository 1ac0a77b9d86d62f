import type { AppliedSequence } from './applied-sequence.js';
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
  /** Number of identifications applied; the optimistic-concurrency guard of every write. */
  version: number;
  /** The last applied item; items at or below it are skipped on redelivery. */
  applied?: AppliedSequence;
  created_at: Date;
  updated_at: Date;
}

/**
 * The group's `_id`: unambiguous for any strings (a JSON array), so that no choice of type and
 * value can collide with another group's.
 */
export function groupId(key: GroupKey): string {
  return JSON.stringify([key.project, key.group_type, key.group_value]);
}
