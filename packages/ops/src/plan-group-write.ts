import {
  applyIdentification,
  type PropertyChange,
  type SkippedOperation,
} from './apply-identification.js';
import { isAlreadyApplied, type AppliedSequence } from './applied-sequence.js';
import { EventOrder, type EventOrderEnd } from './event-order.js';
import type { EventKey, FoldStep, TimelineEntry } from './event-time.js';
import { groupId, type GroupDocument, type GroupKey } from './group-document.js';
import type { JsonObject, Properties } from './json.js';
import { propertyUpdate, type MongoUpdate } from './property-update.js';
import type { StoredForm } from './stored-form.js';

/**
 * One queued item for a group, in acceptance order: an identification, or an erasure. An
 * identification of an `event_time` project carries its place in event-time order (`event`:
 * its event time and tie-break, docs/semantics.md#event-time).
 */
export type FoldItem =
  | {
      seq: AppliedSequence;
      group_properties: JsonObject;
      /** Its place in event-time order, and its history record's `_id` (for `event_index`). */
      event?: { time: number; tie: string; record?: string } | undefined;
      erase?: undefined;
    }
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
   * For an identification placed by event time: its place, and what it does there once the
   * whole batch is placed (`changes` is then the net difference its arrival made).
   */
  event?: { key: EventKey; step: FoldStep };
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
  /**
   * Identifications applied before this batch whose step in event-time order changed because a
   * late one was placed before them: their history records are to be told (`step` from `version`).
   */
  refolded: { recordId: string; step: FoldStep }[];
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
 *
 * Identifications with an `event` are placed in event-time order (docs/semantics.md#event-time):
 * `tail` must hold every identification of the stored life placed by time after the earliest of
 * them (by key), each with its step now; an empty tail when none of them is late.
 */
export function planGroupWrite(
  stored: GroupDocument | null,
  key: GroupKey,
  items: readonly FoldItem[],
  now: Date,
  form: StoredForm,
  tail: readonly TimelineEntry[] = [],
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
  const order = new EventOrder(stored, tail);
  const applied: AppliedItem[] = [];

  items.forEach((item, position) => {
    if (isAlreadyApplied(item.seq, last)) return;
    last = item.seq;
    life.version += 1;
    if (item.erase === true) {
      order.erase();
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
    let result: {
      properties: Properties;
      changes: Record<string, PropertyChange>;
      skipped: SkippedOperation[];
    };
    let event: AppliedItem['event'];
    if (item.event === undefined) {
      // Placed by arrival: the event-time order (if any) ends before it.
      order.byArrival(life.version);
      result = applyIdentification(life.properties, item.group_properties);
    } else {
      const placed = order.place(life.properties, item.event, life.version, item.group_properties);
      result = { ...placed.placed, skipped: [] };
      event = placed.item;
    }
    life.properties = result.properties;
    if (created) {
      Object.assign(life, { exists: true, createdNow: true });
      if (stored !== null) life.replaced = true;
    }
    const kind = created ? 'create' : Object.keys(result.changes).length > 0 ? 'update' : 'none';
    const entry: AppliedItem = {
      ...appliedAt(life, position, kind),
      changes: result.changes,
      skipped: result.skipped,
      liveDelta: created ? 1 : 0,
    };
    if (event !== undefined) entry.event = event;
    applied.push(entry);
  });
  const end = order.end();
  // An item placed by time skipped what its step at its final place skips.
  for (const a of applied) if (a.event !== undefined) a.skipped = a.event.step.skipped;

  const plan = {
    properties: life.properties,
    version: life.version,
    applied,
    eraseBelow,
    refolded: order.refolded,
  };
  if (applied.length === 0 || last === undefined) return { ...plan, write: undefined };
  return { ...plan, write: writeOf(stored, key, life, last, before, now, form, end) };
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
  order: EventOrderEnd,
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
      ...(order.lastKey === undefined ? {} : { event_key: order.lastKey }),
      ...(order.foldFrom === undefined ? {} : { fold_from: order.foldFrom }),
      ...(order.index === undefined ? {} : { event_index: order.index.entries }),
      ...(order.index?.trimmed === true ? { event_index_trimmed: true as const } : {}),
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
  if (order.lastKey !== undefined) update.$set.event_key = order.lastKey;
  else if (stored.event_key !== undefined) (update.$unset ??= {}).event_key = '';
  if (order.index !== undefined) update.$set.event_index = order.index.entries;
  else if (stored.event_index !== undefined) (update.$unset ??= {}).event_index = '';
  if (order.index?.trimmed === true) update.$set.event_index_trimmed = true;
  else if (stored.event_index_trimmed === true) (update.$unset ??= {}).event_index_trimmed = '';
  if (order.foldFrom !== undefined && order.foldFrom !== stored.fold_from)
    update.$set.fold_from = order.foldFrom;
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
