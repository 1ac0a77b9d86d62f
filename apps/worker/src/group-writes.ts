import { BSON, type AnyBulkWriteOperation } from 'mongodb';
import {
  encodeProperties,
  planGroupWrite,
  type AppliedItem,
  type GroupDocument,
  type GroupKey,
  type GroupWritePlan,
} from '@groupidentify/ops';
import { findByIds, type Store } from '@groupidentify/store';
import { historyRecord, writeHistory } from './history-records.js';
import type { SequencedItem } from './sequenced-item.js';
import { isDuplicateKey, isTransientStoreError } from './transient-errors.js';

/** One group's items of a job, in order. */
export interface GroupBatch {
  group: string;
  key: GroupKey;
  entries: SequencedItem[];
}

/** An item that cannot be applied, and why (it goes to the dead letters). */
export interface Poisoned {
  entry: SequencedItem;
  reason: string;
}

export interface GroupsOutcome {
  applied: { entry: SequencedItem; applied: AppliedItem }[];
  poisoned: Poisoned[];
}

/** MongoDB's document limit (16 MiB) less room for the group's other fields. */
export const MAX_PROPERTIES_BYTES = 16 * 1024 * 1024 - 64 * 1024;

// Guard misses only come from two workers racing on one job; a handful of rounds settles it.
const MAX_ROUNDS = 20;

/**
 * Read–fold–write for the groups of one job (DESIGN §4): one `find`, the pure fold, history
 * records, then one unordered `bulkWrite` of guarded upserts. A guard miss (E11000) reloads and
 * refolds that group; an item that would grow the group past the document limit, or that the
 * store refuses, is dead-lettered and the rest still apply. Transient store errors are thrown:
 * the caller retries the whole job, which every step makes idempotent.
 */
export async function applyGroups(
  store: Store,
  batches: readonly GroupBatch[],
  now: Date,
): Promise<GroupsOutcome> {
  const outcome: GroupsOutcome = { applied: [], poisoned: [] };
  let pending = [...batches];
  for (let round = 0; pending.length > 0; round++) {
    if (round >= MAX_ROUNDS) throw new Error(`groups still contended after ${MAX_ROUNDS} rounds`);
    const docs = await loadGroups(store, pending);
    const plans = pending.map((batch) =>
      planWithinLimit(docs.get(batch.group) ?? null, batch, now),
    );
    await writeHistory(
      store,
      plans.flatMap((p) => historyOf(p, now)),
    );
    const failures = await writeGroups(store, plans);
    pending = [];
    for (const [i, p] of plans.entries()) {
      const failure = failures.get(i);
      if (failure === undefined) {
        collect(outcome, p);
      } else if (isDuplicateKey(failure)) {
        pending.push(p.batch); // someone else wrote the group: reload and refold
      } else {
        // The batch's history was written before its write failed: take it back, the items are
        // now applied (or dead-lettered) one by one, with versions of their own.
        await store.history.deleteMany({ _id: { $in: historyOf(p, now).map((h) => h._id) } });
        const rest = await applyOneByOne(store, p.batch, now);
        outcome.applied.push(...rest.applied);
        outcome.poisoned.push(...rest.poisoned);
      }
    }
  }
  return outcome;
}

interface Planned {
  batch: GroupBatch;
  plan: GroupWritePlan;
  poisoned: Poisoned[];
}

async function loadGroups(
  store: Store,
  batches: readonly GroupBatch[],
): Promise<Map<string, GroupDocument>> {
  const ids = batches.map((b) => b.group);
  const docs = await findByIds(store.groups, ids);
  return new Map(docs.map((d) => [d._id, d]));
}

/** Plans the batch; an item that would take the group past the size limit is set aside. */
function planWithinLimit(doc: GroupDocument | null, batch: GroupBatch, now: Date): Planned {
  const plan = planGroupWrite(doc, batch.key, fold(batch.entries), now);
  if (propertiesBytes(plan) <= MAX_PROPERTIES_BYTES) return { batch, plan, poisoned: [] };
  const kept: SequencedItem[] = [];
  const poisoned: Poisoned[] = [];
  for (const entry of batch.entries) {
    const trial = planGroupWrite(doc, batch.key, fold([...kept, entry]), now);
    if (propertiesBytes(trial) <= MAX_PROPERTIES_BYTES) kept.push(entry);
    else poisoned.push({ entry, reason: 'the group document would exceed the 16 MB limit' });
  }
  return {
    batch: { ...batch, entries: kept },
    plan: planGroupWrite(doc, batch.key, fold(kept), now),
    poisoned,
  };
}

function fold(entries: readonly SequencedItem[]) {
  return entries.map((e) => ({ seq: e.seq, group_properties: e.item.group_properties }));
}

function propertiesBytes(plan: GroupWritePlan): number {
  return BSON.calculateObjectSize({ properties: encodeProperties(plan.properties) });
}

function historyOf(p: Planned, now: Date) {
  return p.plan.applied.map((a) =>
    historyRecord(p.batch.entries[a.position] as SequencedItem, a, now),
  );
}

function collect(outcome: GroupsOutcome, p: Planned): void {
  for (const a of p.plan.applied)
    outcome.applied.push({ entry: p.batch.entries[a.position] as SequencedItem, applied: a });
  outcome.poisoned.push(...p.poisoned);
}

/** One unordered bulkWrite; returns the error of each failed plan by its index. */
async function writeGroups(store: Store, plans: readonly Planned[]): Promise<Map<number, unknown>> {
  const failures = new Map<number, unknown>();
  const ops: AnyBulkWriteOperation<GroupDocument>[] = [];
  const planOfOp: number[] = [];
  plans.forEach((p, i) => {
    if (p.plan.write === undefined) return;
    const write = p.plan.write;
    ops.push(
      write.kind === 'insert'
        ? { insertOne: { document: write.document } }
        : { updateOne: { filter: write.filter, update: write.update, upsert: true } },
    );
    planOfOp.push(i);
  });
  if (ops.length === 0) return failures;
  try {
    await store.groups.bulkWrite(ops, { ordered: false });
  } catch (error) {
    const writeErrors = (error as { writeErrors?: { index: number }[] }).writeErrors;
    // No writeErrors: the batch failed as a whole (e.g. a driver error), so nothing is known
    // to be written — never count that as success.
    if (isTransientStoreError(error) || !Array.isArray(writeErrors) || writeErrors.length === 0)
      throw error;
    for (const e of writeErrors) failures.set(planOfOp[e.index] ?? -1, e);
  }
  return failures;
}

/**
 * The store refused a group's batch for a reason of its own: apply the items one at a time so
 * that only the ones it refuses are dead-lettered (with its message), in order.
 */
async function applyOneByOne(store: Store, batch: GroupBatch, now: Date): Promise<GroupsOutcome> {
  const outcome: GroupsOutcome = { applied: [], poisoned: [] };
  for (const entry of batch.entries) {
    const single: GroupBatch = { ...batch, entries: [entry] };
    for (let round = 0; ; round++) {
      const doc = await store.groups.findOne({ _id: batch.group });
      const p = planWithinLimit(doc, single, now);
      const history = historyOf(p, now);
      await writeHistory(store, history);
      const failure = (await writeGroups(store, [p])).get(0);
      if (failure === undefined) {
        collect(outcome, p);
        break;
      }
      if (isDuplicateKey(failure) && round < MAX_ROUNDS) continue;
      await store.history.deleteMany({ _id: { $in: history.map((h) => h._id) } });
      outcome.poisoned.push({ entry, reason: `the store refused it: ${messageOf(failure)}` });
      break;
    }
  }
  return outcome;
}

function messageOf(error: unknown): string {
  const e = error as { errmsg?: unknown; message?: unknown } | null;
  return String(e?.errmsg ?? e?.message ?? error);
}
