import {
  applyIdentification,
  type PropertyChange,
  type SkippedOperation,
} from './apply-identification.js';
import { isAlreadyApplied, type AppliedSequence } from './applied-sequence.js';
import { groupId, type GroupDocument, type GroupKey } from './group-document.js';
import type { JsonObject, Properties } from './json.js';
import { propertyUpdate, type MongoUpdate } from './property-update.js';
import type { StoredForm } from './stored-form.js';

/** One queued identification for a group, in acceptance order. */
export interface FoldItem {
  seq: AppliedSequence;
  group_properties: JsonObject;
}

/** What one item did to the group. */
export interface AppliedItem {
  /** Index of the item in the `items` given to {@link planGroupWrite}. */
  position: number;
  /** The group's version after this item. */
  version: number;
  changes: Record<string, PropertyChange>;
  skipped: SkippedOperation[];
}

/**
 * One guarded write of one group. A new group is inserted whole: a racing creation then fails
 * with a duplicate-key error (E11000). An existing one gets a classic-operator update whose
 * filter matches only the version that was read; sent with `upsert: true`, a guard miss also
 * becomes E11000 on `_id`, naming the failed operation. Either way: reload and plan again.
 */
export type GroupWrite =
  | { kind: 'insert'; document: GroupDocument }
  | { kind: 'update'; filter: Record<string, unknown>; update: MongoUpdate };

/** The result of folding a group's items onto its stored document. */
export interface GroupWritePlan {
  /** The final properties (decoded). */
  properties: Properties;
  version: number;
  /** Items applied now, in order; items already applied (redelivery) are left out. */
  applied: AppliedItem[];
  /** Undefined when every item was already applied: nothing to write. */
  write: GroupWrite | undefined;
}

/**
 * Folds `items` (one group's, in order) onto `stored` (null for a new group) with the
 * operation semantics and translates the result into one write in the store's `form`: items at
 * or below the stored applied sequence are skipped; a new group is one insert; an existing one,
 * one classic-operator update guarded on the version read. `now` stamps the times.
 */
export function planGroupWrite(
  stored: GroupDocument | null,
  key: GroupKey,
  items: readonly FoldItem[],
  now: Date,
  form: StoredForm,
): GroupWritePlan {
  const before = stored === null ? undefined : form.decodeProperties(stored.properties);
  let properties: Properties = before ?? {};
  let version = stored?.version ?? 0;
  let last = stored?.applied;
  const applied: AppliedItem[] = [];

  items.forEach((item, position) => {
    if (isAlreadyApplied(item.seq, last)) return;
    const result = applyIdentification(properties, item.group_properties);
    properties = result.properties;
    version += 1;
    last = item.seq;
    applied.push({
      position,
      version,
      changes: result.changes,
      skipped: result.skipped,
    });
  });

  if (applied.length === 0 || last === undefined) {
    return { properties, version, applied, write: undefined };
  }
  if (stored === null) {
    // Inserted whole: a filter on `_id` alone is the only one every MongoDB-wire server answers
    // from its index (FerretDB scans the collection for `{_id, version: {$exists: false}}`).
    const document: GroupDocument = {
      _id: groupId(key),
      ...key,
      properties: form.properties(properties),
      version,
      applied: last,
      created_at: now,
      updated_at: now,
    };
    return { properties, version, applied, write: { kind: 'insert', document } };
  }
  const update = propertyUpdate('properties', before, properties, form);
  update.$set.version = version;
  update.$set.applied = last;
  update.$set.updated_at = now;
  update.$setOnInsert = { ...key, created_at: now };
  const filter = { _id: stored._id, version: stored.version };
  return { properties, version, applied, write: { kind: 'update', filter, update } };
}
