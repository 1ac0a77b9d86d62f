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

/** One queued item for a group, in acceptance order: an identification, or an erasure. */
export type FoldItem =
  | { seq: AppliedSequence; group_properties: JsonObject; erase?: undefined }
  | { seq: AppliedSequence; erase: true };

/**
 * What an applied item did: created the group (its first identification, or the first after an
 * erasure), changed it, changed nothing, or erased it.
 */
export type AppliedKind = 'create' | 'update' | 'none' | 'delete';

/** What one item did to the group. */
export interface AppliedItem {
  /** Index of the item in the `items` given to {@link planGroupWrite}. */
  position: number;
  kind: AppliedKind;
  /** The group's stored version after this item (see `GroupDocument.version`). */
  version: number;
  /**
   * The version the API shows after this item (counted from the group's current life); for an
   * erasure, the version of the life it ended.
   */
  visibleVersion: number;
  changes: Record<string, PropertyChange>;
  skipped: SkippedOperation[];
  /**
   * How the item changed the number of live groups, as its history record tells it: +1 for a
   * creation, -1 for an erasure of a life that existed before this batch, 0 otherwise (an erasure
   * of a life created in the same batch: that creation's record is erased with it, so neither
   * counts). Summing it over a group's records gives 1 while the group lives, 0 once erased.
   */
  liveDelta: -1 | 0 | 1;
}

/**
 * One guarded write of one group. A new `_id` is inserted whole: a racing creation then fails
 * with a duplicate-key error (E11000). An existing one gets a classic-operator update whose
 * filter matches only the version that was read; sent with `upsert: true`, a guard miss also
 * becomes E11000 on `_id`, naming the failed operation. Either way: reload and plan again.
 */
export type GroupWrite =
  | { kind: 'insert'; document: GroupDocument }
  | { kind: 'update'; filter: Record<string, unknown>; update: MongoUpdate };

/** The result of folding a group's items onto its stored document. */
export interface GroupWritePlan {
  /** The final properties (decoded); empty for an erased group. */
  properties: Properties;
  version: number;
  /** Items applied now, in order; items already applied (redelivery) are left out. */
  applied: AppliedItem[];
  /**
   * The stored version below which everything of an earlier life is to be erased (history,
   * claims): set when the items include an erasure. Erase it before the write.
   */
  eraseBelow: number | undefined;
  /** Undefined when every item was already applied: nothing to write. */
  write: GroupWrite | undefined;
}

interface Life {
  properties: Properties;
  version: number;
  base: number;
  /** False while the group is erased, or was never created. */
  exists: boolean;
  /** The current life began in this batch. */
  createdNow: boolean;
  /** The batch ended a life (an erasure) or began one over a stored document. */
  replaced: boolean;
}

/**
 * Folds `items` (one group's, in order) onto `stored` (null for a `_id` never written) with
 * the operation semantics, and translates the result into one write in the store's `form`.
 * Items at or below the stored applied sequence are skipped. An erasure empties the group and
 * begins a new life: identifications after it create the group anew (version 1, `created_at`
 * now). A new `_id` is one insert; an existing one, one classic-operator update guarded on the
 * version read. `now` stamps the times.
 */
export function planGroupWrite(
  stored: GroupDocument | null,
  key: GroupKey,
  items: readonly FoldItem[],
  now: Date,
  form: StoredForm,
): GroupWritePlan {
  const exists = stored !== null && stored.erased !== true;
  const before = exists ? form.decodeProperties(stored.properties) : undefined;
  const life: Life = {
    properties: before ?? {},
    version: stored?.version ?? 0,
    base: stored?.base ?? 0,
    exists,
    createdNow: false,
    replaced: false,
  };
  let last = stored?.applied;
  let eraseBelow: number | undefined;
  const applied: AppliedItem[] = [];

  items.forEach((item, position) => {
    if (isAlreadyApplied(item.seq, last)) return;
    last = item.seq;
    life.version += 1;
    if (item.erase === true) {
      // The erased life's last version is what the API last showed for the group.
      const erasedVersion = life.version - 1 - life.base;
      const liveDelta = life.exists && !life.createdNow ? -1 : 0;
      eraseBelow = life.version;
      Object.assign(life, {
        properties: {},
        base: life.version,
        exists: false,
        createdNow: false,
        replaced: true,
      });
      applied.push({
        position,
        kind: 'delete',
        version: life.version,
        visibleVersion: erasedVersion,
        changes: {},
        skipped: [],
        liveDelta,
      });
      return;
    }
    const created = !life.exists;
    const result = applyIdentification(life.properties, item.group_properties);
    life.properties = result.properties;
    if (created) {
      Object.assign(life, { exists: true, createdNow: true });
      if (stored !== null) life.replaced = true;
    }
    const kind = created ? 'create' : Object.keys(result.changes).length > 0 ? 'update' : 'none';
    applied.push({
      ...appliedAt(life, position, kind),
      changes: result.changes,
      skipped: result.skipped,
      liveDelta: created ? 1 : 0,
    });
  });

  const plan = { properties: life.properties, version: life.version, applied, eraseBelow };
  if (applied.length === 0 || last === undefined) return { ...plan, write: undefined };
  return { ...plan, write: writeOf(stored, key, life, last, before, now, form) };
}

function appliedAt(life: Life, position: number, kind: AppliedKind) {
  return { position, kind, version: life.version, visibleVersion: life.version - life.base };
}

function writeOf(
  stored: GroupDocument | null,
  key: GroupKey,
  life: Life,
  last: AppliedSequence,
  before: Properties | undefined,
  now: Date,
  form: StoredForm,
): GroupWrite {
  if (stored === null) {
    // Inserted whole: a filter on `_id` alone is the only one every MongoDB-wire server answers
    // from its index.
    const document: GroupDocument = {
      _id: groupId(key),
      ...key,
      properties: form.properties(life.properties),
      version: life.version,
      ...(life.base > 0 ? { base: life.base } : {}),
      ...(life.exists ? {} : { erased: true as const }),
      applied: last,
      created_at: now,
      updated_at: now,
    };
    return { kind: 'insert', document };
  }
  const update: MongoUpdate = life.replaced
    ? replaceLife(life, now, form)
    : propertyUpdate('properties', before, life.properties, form);
  update.$set.version = life.version;
  update.$set.applied = last;
  update.$set.updated_at = now;
  update.$setOnInsert = life.replaced ? { ...key } : { ...key, created_at: now };
  const filter = { _id: stored._id, version: stored.version };
  return { kind: 'update', filter, update };
}

/** The update of a batch that ended or began a life: every field of the new state. */
function replaceLife(life: Life, now: Date, form: StoredForm): MongoUpdate {
  const update: MongoUpdate = {
    $set: { properties: form.properties(life.properties), base: life.base, created_at: now },
  };
  if (life.exists) update.$unset = { erased: '' };
  else update.$set.erased = true;
  return update;
}
