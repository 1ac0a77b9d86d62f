import {
  canonicalJson,
  groupId,
  setOwn,
  type AppliedItem,
  type AppliedSequence,
  type EventKey,
  type GroupDocument,
  type FoldStep,
  type TimelineEntry,
  type GroupKey,
  type JsonObject,
  type JsonValue,
  type PropertyChange,
  type SkippedOperation,
} from '@groupidentify/ops';
import { findByIds, insertManyOnce, type Collections } from './collections.js';
import type { HistoryDocument, HistoryRecordBody, LegacyHistoryFields } from './documents.js';
import { sequenceId } from './sequence-id.js';
import { decodeName, decodeValue } from './stored-form.js';

/** A history record stays well under MongoDB's 16 MB document limit. */
export const MAX_HISTORY_RECORD_BYTES = 8 * 1024 * 1024;

/** One applied item, as the worker knows it. */
export interface AppliedRecord {
  /** The record's `_id`: its change feed position (`feedRecordId`); else one from `seq`. */
  id?: string | undefined;
  seq: AppliedSequence;
  /** The group's `_id`. */
  groupId: string;
  project: string;
  /** When ingest accepted it (ms since epoch). */
  receivedAt: number;
  insertId?: string | undefined;
  /** `import` for a line of `groups import`; undefined for a client's identification. */
  source?: 'import' | undefined;
  /** As sent; undefined for an erasure. */
  groupProperties: JsonObject | undefined;
  /** Event time (ms since epoch); undefined for an erasure. */
  time?: number | undefined;
  /** The time the client sent, when it was replaced by the receipt time (more than 1 h ahead). */
  timeReplaced?: number | undefined;
  applied: AppliedItem;
  /** The group's version after the item's batch: from it on, its step in event-time order holds. */
  stepFrom?: number | undefined;
  /**
   * For an erasure: the keyed hash of the group's value (`groupHash`), kept in its record
   * instead of the value.
   */
  groupHash?: string | undefined;
}

/**
 * The history record of one applied item. When the record would be too large (a change to a
 * multi-megabyte property), the largest `from`/`to` values are left out, largest first, and
 * listed in that change's `omitted`; `as_of` cannot rewind across such a change and says so.
 */
export function historyRecord(r: AppliedRecord, appliedAt: Date): HistoryDocument {
  const changes: JsonObject = {};
  const sides: { change: JsonObject; side: 'from' | 'to'; bytes: number }[] = [];
  let total = 0;
  for (const [name, change] of Object.entries(r.applied.changes)) {
    const kept: JsonObject = {};
    for (const side of ['from', 'to'] as const) {
      const value = change[side];
      if (value === undefined) continue;
      kept[side] = value;
      const bytes = Buffer.byteLength(JSON.stringify(value));
      sides.push({ change: kept, side, bytes });
      total += bytes;
    }
    setOwn(changes, name, kept);
  }
  for (const big of sides.sort((a, b) => b.bytes - a.bytes)) {
    if (total <= MAX_HISTORY_RECORD_BYTES) break;
    Reflect.deleteProperty(big.change, big.side);
    big.change['omitted'] = [...((big.change['omitted'] as string[] | undefined) ?? []), big.side];
    total -= big.bytes;
  }
  const body: HistoryRecordBody = {
    ...(r.groupProperties === undefined ? {} : { group_properties: r.groupProperties }),
    changes,
    skipped: r.applied.skipped,
  };
  const record: HistoryDocument = {
    _id: r.id ?? sequenceId(r.seq),
    group: r.groupId,
    project: r.project,
    version: r.applied.version,
    kind: r.applied.kind,
    visible_version: r.applied.visibleVersion,
    received_at: new Date(r.receivedAt),
    applied_at: appliedAt,
    record: JSON.stringify(body),
  };
  if (r.insertId !== undefined) record.insert_id = r.insertId;
  if (r.source !== undefined) record.source = r.source;
  if (r.time !== undefined) record.time = new Date(r.time);
  if (r.timeReplaced !== undefined) record.time_replaced = new Date(r.timeReplaced);
  const event = r.applied.event;
  if (event !== undefined) {
    record.tie = event.key.tie;
    // Its step where it stands in event-time order, when that is not the difference it made.
    if (r.stepFrom !== undefined && !sameChanges(event.step.changes, r.applied.changes))
      record.fold = { [String(r.stepFrom)]: JSON.stringify(event.step) };
  }
  if (r.groupHash !== undefined) {
    // The value leaves the record: `group` keeps the project and the type (the feed's type filter
    // and the group counts read them), the hash stands for the value.
    const [project, groupType] = JSON.parse(r.groupId) as [string, string, string];
    record.group = JSON.stringify([project, groupType]);
    record.group_hash = r.groupHash;
  }
  if (r.applied.liveDelta !== 0) record.live_delta = r.applied.liveDelta;
  return record;
}

function sameChanges(
  a: Record<string, PropertyChange>,
  b: Record<string, PropertyChange>,
): boolean {
  return canonicalJson(a as JsonObject) === canonicalJson(b as JsonObject);
}

/** A recorded change; `omitted` lists sides too large to have been kept in history. */
export type HistoryChange = PropertyChange & { omitted?: ('from' | 'to')[] };

/** One history item as the read API shows it. */
export interface HistoryView {
  version: number;
  received_at: string;
  applied_at: string;
  insert_id?: string;
  /** `import` when a line of `groups import` made it (absent for a client's identification). */
  source?: 'import';
  /** Event time (absent in records written before it was kept). */
  time?: string;
  /** The time the client sent, when it was more than 1 h after receipt and `time` is receipt. */
  time_replaced?: string;
  group_properties: JsonValue;
  changes: Record<string, HistoryChange>;
  skipped: SkippedOperation[];
}

/** What a stored record did: its JSON `record`, or the encoded fields of the earlier format. */
export function bodyOf(doc: HistoryDocument & LegacyHistoryFields): {
  groupProperties: JsonValue | undefined;
  changes: Record<string, HistoryChange>;
  skipped: SkippedOperation[];
} {
  if (typeof doc.record === 'string') {
    const body = JSON.parse(doc.record) as HistoryRecordBody;
    return {
      groupProperties: body.group_properties,
      changes: body.changes as Record<string, HistoryChange>,
      skipped: body.skipped as SkippedOperation[],
    };
  }
  return {
    groupProperties: decodeValue(doc.group_properties ?? {}),
    changes: decodeLegacyChanges(doc.changes ?? {}),
    skipped: (doc.skipped ?? []) as SkippedOperation[],
  };
}

/** Changes in the earlier format back to `{name: {from?, to?, omitted?}}`, names decoded. */
function decodeLegacyChanges(stored: JsonObject): Record<string, HistoryChange> {
  const changes: Record<string, HistoryChange> = {};
  for (const key of Object.keys(stored)) {
    const raw = stored[key] as JsonObject;
    const change: HistoryChange = {};
    if (Object.hasOwn(raw, 'from')) change.from = decodeValue(raw['from'] as JsonValue);
    if (Object.hasOwn(raw, 'to')) change.to = decodeValue(raw['to'] as JsonValue);
    if (Array.isArray(raw['omitted'])) change.omitted = raw['omitted'] as ('from' | 'to')[];
    setOwn(changes, decodeName(key), change);
  }
  return changes;
}

function historyView(doc: HistoryDocument, base: number): HistoryView {
  const body = bodyOf(doc);
  return {
    version: doc.visible_version ?? doc.version - base,
    received_at: doc.received_at.toISOString(),
    applied_at: doc.applied_at.toISOString(),
    ...(doc.insert_id === undefined ? {} : { insert_id: doc.insert_id }),
    ...(doc.source === undefined ? {} : { source: doc.source }),
    ...(doc.time === undefined ? {} : { time: doc.time.toISOString() }),
    ...(doc.time_replaced === undefined ? {} : { time_replaced: doc.time_replaced.toISOString() }),
    group_properties: body.groupProperties ?? {},
    changes: body.changes,
    skipped: body.skipped,
  };
}

/** A page of a group's history, newest first; `before` is the next page's version bound. */
export interface HistoryPage {
  items: HistoryView[];
  before: number | undefined;
}

/** Groups' history: what each applied identification changed. */
export interface HistoryStore {
  /**
   * Records written before the group write they describe; ones already there are kept. True
   * when none was there: the store holds exactly `records` at their ids.
   */
  write(records: readonly HistoryDocument[]): Promise<boolean>;
  /** Takes back records whose group write was refused (their items are retried one by one). */
  remove(ids: readonly string[]): Promise<void>;
  /** The records among `ids` that exist (a redelivered batch's items applied before). */
  byIds(ids: readonly string[]): Promise<HistoryDocument[]>;
  /**
   * A group's history in its current life, below stored version `before` (from the newest
   * without), newest first; undefined when the group does not exist (or was erased).
   */
  page(key: GroupKey, before: number | undefined, limit: number): Promise<HistoryPage | undefined>;
  /**
   * A group's records above stored version `above`, newest first, decoded (for `as_of`); at most
   * `limit` of them (0: all).
   */
  newestFirst(
    group: string,
    above: number,
    limit?: number,
  ): AsyncIterable<{ version: number; receivedAt: Date; changes: Record<string, HistoryChange> }>;
  /**
   * The records of the identifications of `group`'s event-time order that come after `earliest`
   * (by time, then tie), each with its step in effect at the group's version. Read by `_id` from
   * the group's `event_index` when it lists them all; otherwise by a query on the group's records
   * of its order (the `group_version` index on MongoDB, a scan of history on FerretDB). No index
   * on event time: it would cost every history insert, for a late identification older than a
   * group's latest 100, which is rare.
   */
  eventTail(group: GroupDocument, earliest: EventKey): Promise<TailRecord[]>;
  /** Writes steps in event-time order (`fold` entries) and drops the stale ones. */
  refold(updates: readonly FoldUpdate[]): Promise<void>;
}

/** An applied identification after a late one, as the event-time fold takes it. */
export interface TailRecord extends TimelineEntry {
  recordId: string;
  /**
   * `fold` entries it no longer needs: of versions above the group's (left by a write that did
   * not complete) and below the one in effect.
   */
  stale: string[];
  /** A change of its step was too large to keep in history: it cannot be undone. */
  oversized: boolean;
}

/** New `fold` entries of one record (version → JSON of the step), and entries it no longer needs. */
export interface FoldUpdate {
  recordId: string;
  set: Readonly<Record<string, string>>;
  drop: readonly string[];
}

export function historyStore({ history, groups }: Collections): HistoryStore {
  return {
    write: (records) => insertManyOnce(history, records),
    async remove(ids) {
      if (ids.length > 0) await history.deleteMany({ _id: { $in: [...ids] } });
    },
    byIds: (ids) => findByIds(history, ids),
    async page(key, before, limit) {
      const group = groupId(key);
      const doc = await groups.findOne({ _id: group }, { projection: { base: 1, erased: 1 } });
      if (doc === null || doc.erased === true) return undefined;
      const base = doc.base ?? 0;
      const version = before === undefined ? { $gt: base } : { $gt: base, $lt: before };
      const filter = { group, version };
      const docs = await history
        .find(filter)
        .sort({ version: -1 })
        .limit(limit + 1)
        .toArray();
      const page = docs.slice(0, limit);
      const last = page[page.length - 1];
      return {
        items: page.map((h) => historyView(h, base)),
        before: docs.length > limit && last !== undefined ? last.version : undefined,
      };
    },
    async *newestFirst(group, above, limit = 0) {
      const records = history
        .find({ group, version: { $gt: above } })
        .sort({ version: -1 })
        .limit(limit);
      for await (const h of records)
        yield { version: h.version, receivedAt: h.received_at, changes: bodyOf(h).changes };
    },
    async eventTail(group, earliest) {
      const upTo = group.version;
      const indexed = group.event_index ?? [];
      const first = indexed[0];
      const listsAll =
        group.event_index_trimmed !== true || (first !== undefined && !keyIsAfter(first, earliest));
      const docs = listsAll
        ? await findByIds(
            history,
            indexed.filter((e) => keyIsAfter(e, earliest)).map((e) => e.record),
          )
        : await history
            .find({
              group: group._id,
              time: { $gte: new Date(earliest.time) },
              version: { $gt: Math.max(group.base ?? 0, group.fold_from ?? 0), $lte: upTo },
            })
            .toArray();
      return docs.flatMap((h) =>
        h.version <= upTo &&
        h.time !== undefined &&
        h.tie !== undefined &&
        keyIsAfter(keyOf(h), earliest)
          ? [tailRecord(h, upTo)]
          : [],
      );
    },
    async refold(updates) {
      const ops = updates.flatMap(({ recordId, set, drop }) => {
        const update: { $set?: Record<string, string>; $unset?: Record<string, ''> } = {};
        const entries = Object.entries(set);
        if (entries.length > 0)
          update.$set = Object.fromEntries(entries.map(([v, step]) => [`fold.${v}`, step]));
        if (drop.length > 0) update.$unset = Object.fromEntries(drop.map((v) => [`fold.${v}`, '']));
        return update.$set === undefined && update.$unset === undefined
          ? []
          : [{ updateOne: { filter: { _id: recordId }, update } }];
      });
      if (ops.length > 0) await history.bulkWrite(ops, { ordered: false });
    },
  };
}

/** True when `key` comes after every identification with the (time, tie) of `earliest`. */
function keyIsAfter(key: Pick<EventKey, 'time' | 'tie'>, earliest: EventKey): boolean {
  return key.time > earliest.time || (key.time === earliest.time && key.tie > earliest.tie);
}

const keyOf = (h: HistoryDocument): EventKey => ({
  time: (h.time as Date).getTime(),
  tie: h.tie as string,
  version: h.version,
});

/** A record of the tail with its step in effect at group version `upTo`. */
function tailRecord(h: HistoryDocument, upTo: number): TailRecord {
  const body = bodyOf(h);
  const versions = Object.keys(h.fold ?? {}).map(Number);
  const inEffect = Math.max(-1, ...versions.filter((v) => v <= upTo));
  const folded = h.fold?.[String(inEffect)];
  const step: FoldStep =
    folded === undefined
      ? { changes: body.changes, skipped: body.skipped }
      : (JSON.parse(folded) as FoldStep);
  return {
    recordId: h._id,
    key: keyOf(h),
    group_properties: (body.groupProperties ?? {}) as JsonObject,
    step,
    stale: versions.filter((v) => v > upTo || v < inEffect).map(String),
    oversized: Object.values(step.changes).some((c) => (c as HistoryChange).omitted !== undefined),
  };
}
