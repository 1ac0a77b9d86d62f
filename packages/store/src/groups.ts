import { BSON, type AnyBulkWriteOperation } from 'mongodb';
import {
  groupId,
  compareEventKeys,
  rewind,
  visibleVersion,
  type GroupDocument,
  type GroupKey,
  type GroupWrite,
  type Properties,
} from '@groupidentify/ops';
import { findByIds, type Collections } from './collections.js';
import { claimId } from './insert-id-claims.js';
import type { HistoryStore } from './history.js';
import { groupQueries, type GroupQueries } from './group-queries.js';
import { isTransientStoreError } from './store-errors.js';
import { decodeProperties, encodeProperties } from './stored-form.js';

/** MongoDB's document limit (16 MiB) less room for the group's other fields. */
export const MAX_PROPERTIES_BYTES = 16 * 1024 * 1024 - 64 * 1024;

/** True when these properties, stored, would not fit in a group document. */
export function exceedsDocumentLimit(properties: Properties): boolean {
  return (
    BSON.calculateObjectSize({ properties: encodeProperties(properties) }) > MAX_PROPERTIES_BYTES
  );
}

/** A group as the read API and the CLI show it. */
export interface GroupView {
  group_type: string;
  group_value: string;
  properties: Properties;
  version: number;
  created_at: string;
  updated_at: string;
}

/** One entry of a list of groups. */
export interface GroupSummary {
  group_type: string;
  group_value: string;
  version: number;
  updated_at: string;
}

/** What the properties of a group were at an instant. */
export type GroupAsOf =
  | { found: true; group: GroupView }
  | { found: false; why: 'no-group' | 'not-yet' | 'history-omitted' | 'history-too-long' };

/** An export with `as_of` met a group changed more often since then than may be undone. */
export class HistoryTooLongError extends Error {
  constructor(
    readonly group: { group_type: string; group_value: string },
    readonly maxHistory: number,
  ) {
    super(`more than ${maxHistory} changes to undo`);
    this.name = 'HistoryTooLongError';
  }
}

/** Limits of a rewind (`as_of`). */
export interface AsOfOptions {
  /**
   * At most this many history records are undone; a group changed more often since `as_of` is
   * `history-too-long` (docs/guarantees.md#history-walked-per-as_of). Unset: no limit.
   */
  maxHistory?: number | undefined;
}

export interface GroupStore extends GroupQueries {
  /** The stored documents among `ids` (group `_id`s), by id. */
  load(ids: readonly string[]): Promise<Map<string, GroupDocument>>;
  /**
   * One unordered bulk write of planned group writes. Returns the error of each write the store
   * refused, by its index in `writes` (E11000 for a guard miss). Throws when the write failed as a
   * whole (transient errors, or no per-write errors to tell what was written).
   */
  write(writes: readonly GroupWrite[]): Promise<Map<number, unknown>>;
  /** A group's current state, or undefined (never written, or erased). */
  view(key: GroupKey): Promise<GroupView | undefined>;
  /** Whether anything was ever applied to this group (erased groups included). */
  everWritten(key: GroupKey): Promise<boolean>;
  /**
   * The project's live groups that `belongs` takes, counted per group type: a scan of the
   * project's groups, to recount one partition's (docs/storage.md#group-counts).
   */
  countLive(project: string, belongs: (key: GroupKey) => boolean): Promise<Map<string, number>>;
  /** A group's properties as they were at `asOf`, rewound through its history. */
  viewAsOf(key: GroupKey, asOf: Date, options?: AsOfOptions): Promise<GroupAsOf>;
  /**
   * Many groups at once, each current or as of its own instant (`asOf`), in the order given: one
   * read of the group documents, then the history of those asked as of an instant, a few groups
   * at a time.
   */
  lookup(
    entries: readonly { key: GroupKey; asOf?: Date | undefined }[],
    options?: AsOfOptions,
  ): Promise<GroupAsOf[]>;
  /**
   * Erases what remains of a group's earlier lives: its history below stored version `below` (an
   * erasure's own record is kept, value-free), its insert_id claims but those of `keepInsertIds`
   * (the items that follow the erasure in its batch: the new life's), and its dead letters; only
   * the history with `historyOnly`. Idempotent; run before the write that records the erasure,
   * so that a crash in between is redone on redelivery.
   */
  eraseEarlierLives(
    key: GroupKey,
    below: number,
    options?: { keepInsertIds?: readonly string[]; historyOnly?: boolean },
  ): Promise<void>;
}

/** Groups of a lookup whose history is read at once (each is a store query or two). */
const LOOKUP_REWINDS_AT_ONCE = 8;

export function groupStore(c: Collections, history: HistoryStore): GroupStore {
  const { groups } = c;
  const queries = groupQueries(c, history);
  const load = async (ids: readonly string[]) =>
    new Map((await findByIds(groups, ids)).map((d) => [d._id, d]));
  const find = (key: GroupKey) => groups.findOne({ _id: groupId(key) });
  return {
    ...queries,
    load,
    async write(writes) {
      const failures = new Map<number, unknown>();
      if (writes.length === 0) return failures;
      const ops: AnyBulkWriteOperation<GroupDocument>[] = writes.map((w) =>
        w.kind === 'insert'
          ? { insertOne: { document: w.document } }
          : { updateOne: { filter: w.filter, update: w.update, upsert: true } },
      );
      try {
        await groups.bulkWrite(ops, { ordered: false });
      } catch (error) {
        const writeErrors = (error as { writeErrors?: { index: number }[] }).writeErrors;
        // No writeErrors: the batch failed as a whole (e.g. a driver error), so nothing is known
        // to be written — never count that as success.
        if (isTransientStoreError(error) || !Array.isArray(writeErrors) || writeErrors.length === 0)
          throw error;
        for (const e of writeErrors) failures.set(e.index, e);
      }
      return failures;
    },
    async view(key) {
      const doc = await find(key);
      return doc === null || doc.erased === true ? undefined : viewOf(doc);
    },
    async everWritten(key) {
      return (await groups.countDocuments({ _id: groupId(key) }, { limit: 1 })) > 0;
    },
    async countLive(project, belongs) {
      const counts = new Map<string, number>();
      const cursor = groups.find(
        { project, erased: { $exists: false } },
        { projection: { group_type: 1, group_value: 1 } },
      );
      for await (const { group_type, group_value } of cursor)
        if (belongs({ project, group_type, group_value }))
          counts.set(group_type, (counts.get(group_type) ?? 0) + 1);
      return counts;
    },
    async viewAsOf(key, asOf, options) {
      const doc = await find(key);
      if (doc === null || doc.erased === true) return { found: false, why: 'no-group' };
      return groupAsOf(doc, asOf, history, options);
    },
    async lookup(entries, options) {
      const docs = await load(entries.map((e) => groupId(e.key)));
      const answers: GroupAsOf[] = [];
      for (let at = 0; at < entries.length; at += LOOKUP_REWINDS_AT_ONCE) {
        const slice = entries.slice(at, at + LOOKUP_REWINDS_AT_ONCE);
        answers.push(
          ...(await Promise.all(
            slice.map(async ({ key, asOf }): Promise<GroupAsOf> => {
              const doc = docs.get(groupId(key));
              if (doc === undefined || doc.erased === true)
                return { found: false, why: 'no-group' };
              if (asOf === undefined) return { found: true, group: viewOf(doc) };
              return groupAsOf(doc, asOf, history, options);
            }),
          )),
        );
      }
      return answers;
    },
    async eraseEarlierLives(key, below, options = {}) {
      const id = groupId(key);
      // Every erasure keeps its own value-free record (the change feed shows it).
      await c.history.deleteMany({ group: id, version: { $lt: below }, kind: { $ne: 'delete' } });
      if (options.historyOnly === true) return;
      const keep = (options.keepInsertIds ?? []).map((insertId) => claimId(id, insertId));
      await c.insertIds.deleteMany(
        keep.length === 0 ? { group: id } : { group: id, _id: { $nin: keep } },
      );
      await eraseDeadLetters(c, key);
    },
  };
}

/**
 * Erases a group's dead letters, however they hold it: letters of its items (identifications or
 * erasures), with `group_value` as queued or, in the raw data of an unreadable job, as a number
 * where the value reads as one; and its items inside unreadable jobs' letters, which may hold
 * other groups' items too: only the group's are taken out of those (docs/storage.md#erasure).
 */
async function eraseDeadLetters(c: Collections, key: GroupKey): Promise<void> {
  const values: (string | number)[] = [key.group_value];
  const asNumber = Number(key.group_value);
  if (
    key.group_value.trim() !== '' &&
    Number.isFinite(asNumber) &&
    String(asNumber) === key.group_value
  )
    values.push(asNumber);
  await c.deadLetters.deleteMany({
    'item.project': key.project,
    'item.group_type': key.group_type,
    'item.group_value': { $in: values },
  });
  // Unreadable jobs' letters (index -1) are rare (a job that no ingest wrote): read, and rewritten
  // without the group's items (deleted when nothing else is left), with the plainest updates.
  const shared = await c.deadLetters
    .find({ 'seq.index': -1 }, { projection: { item: 1 } })
    .toArray();
  for (const letter of shared) {
    const items = letter.item['items'];
    if (!Array.isArray(items)) continue;
    const kept = items.filter((i) => !isItemOf(i, key, values));
    if (kept.length === items.length) continue;
    if (kept.length === 0) await c.deadLetters.deleteOne({ _id: letter._id });
    else await c.deadLetters.updateOne({ _id: letter._id }, { $set: { 'item.items': kept } });
  }
}

function isItemOf(item: unknown, key: GroupKey, values: readonly (string | number)[]): boolean {
  const i = item as { project?: unknown; group_type?: unknown; group_value?: unknown } | null;
  return (
    i?.project === key.project &&
    i.group_type === key.group_type &&
    values.includes(i.group_value as string | number)
  );
}

/**
 * A stored group's properties as they were at `asOf`: walk back from now through its current
 * life, undoing every identification accepted after `asOf`, newest first. For a group in
 * event-time order (docs/semantics.md#event-time), those of its order whose event time is after
 * `asOf` are undone first, latest first, each by its step at its place in the order.
 */
export async function groupAsOf(
  doc: GroupDocument,
  asOf: Date,
  history: HistoryStore,
  options: AsOfOptions = {},
): Promise<GroupAsOf> {
  if (doc.erased === true) return { found: false, why: 'no-group' };
  const eventKey = doc.event_key;
  if (doc.updated_at <= asOf && (eventKey === undefined || eventKey.time <= asOf.getTime()))
    return { found: true, group: viewOf(doc) }; // nothing since
  let properties = decodeProperties(doc.properties);
  const base = doc.base ?? 0;
  const max = options.maxHistory;
  let undone = 0;
  // Versions above `top` are undone already.
  let top = doc.version;
  if (eventKey !== undefined) {
    const above = Math.max(base, doc.fold_from ?? 0);
    const after = { time: asOf.getTime(), tie: '\uffff', version: Number.MAX_SAFE_INTEGER };
    const later = await history.eventTail(doc, after);
    if (max !== undefined && later.length > max) return { found: false, why: 'history-too-long' };
    if (later.some((r) => r.oversized)) return { found: false, why: 'history-omitted' };
    for (const r of later.sort((a, b) => compareEventKeys(b.key, a.key)))
      properties = rewind(properties, r.step.changes);
    undone = later.length;
    // Something of the order is at or before as_of: nothing before the order is later.
    if (later.length < doc.version - above) return { found: true, group: viewOf(doc, properties) };
    top = above;
  }
  let earliest = top + 1;
  // One record more than may be undone: the one at or before as_of that ends the walk.
  const limit = max === undefined ? 0 : max + 1 + (doc.version - top);
  for await (const h of history.newestFirst(doc._id, base, limit)) {
    if (h.version > top) continue;
    if (h.receivedAt <= asOf) break;
    if (max !== undefined && ++undone > max) return { found: false, why: 'history-too-long' };
    if (Object.values(h.changes).some((c) => c.omitted?.includes('from') === true))
      return { found: false, why: 'history-omitted' };
    properties = rewind(properties, h.changes);
    earliest = h.version;
  }
  if (earliest === base + 1) return { found: false, why: 'not-yet' }; // before the first one
  return { found: true, group: viewOf(doc, properties) };
}

export function viewOf(
  doc: GroupDocument,
  properties: Properties = decodeProperties(doc.properties),
): GroupView {
  return {
    group_type: doc.group_type,
    group_value: doc.group_value,
    properties,
    version: visibleVersion(doc),
    created_at: doc.created_at.toISOString(),
    updated_at: doc.updated_at.toISOString(),
  };
}
