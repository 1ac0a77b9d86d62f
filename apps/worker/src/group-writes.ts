import {
  planGroupWrite,
  type AppliedItem,
  type FoldItem,
  type GroupDocument,
  type GroupKey,
  type GroupWritePlan,
} from '@groupidentify/ops';
import {
  exceedsDocumentLimit,
  groupHash,
  historyRecord,
  isDuplicateKey,
  sequenceId,
  storeErrorMessage,
  storedForm,
  type HistoryDocument,
  type Store,
  type TailRecord,
} from '@groupidentify/store';
import { isDeletion } from '@groupidentify/queue-contract';
import { eventOf, foldUpdates, loadEventTails, newRecordFolds } from './event-order.js';
import type { SequencedItem } from './sequenced-item.js';
import { untimed, type StepTimer } from './step-timer.js';

/** One group's items of a batch, in order. */
export interface GroupBatch {
  groupId: string;
  key: GroupKey;
  entries: SequencedItem[];
  /** Planned again after another writer won the group (a guard miss). */
  reread?: boolean;
}

/** An item that cannot be applied, and why (it goes to the dead letters). */
export interface Poisoned {
  entry: SequencedItem;
  reason: string;
}

export interface GroupsOutcome {
  applied: { entry: SequencedItem; applied: AppliedItem }[];
  poisoned: Poisoned[];
  /**
   * Every history record of the batch, when it went the plain way: one round, no erasure, and
   * no record there before (so the store holds exactly these). Undefined otherwise.
   */
  history?: HistoryDocument[];
  /**
   * What the group counts add up (docs/storage.md#group-counts): the record of every item applied
   * now, and those of items an earlier delivery of the batch applied, read before an erasure of
   * this batch could remove them.
   */
  counted: HistoryDocument[];
  /** Some group had to be read and folded again: another worker wrote it meanwhile. */
  raced: boolean;
}

// Guard misses only come from two workers racing on one job; a handful of rounds settles it.
const MAX_ROUNDS = 20;

/**
 * Read–fold–write for the groups of a batch: one read, the pure fold, history records, then one
 * unordered bulk write of guarded writes (docs/guarantees.md). A guard miss (E11000) reloads and
 * refolds that group; an item that would grow the group past the document limit, or that the
 * store refuses, is dead-lettered and the rest still apply. Transient store errors are thrown:
 * the caller retries the whole batch, which every step makes idempotent.
 */
export async function applyGroups(
  store: Store,
  batches: readonly GroupBatch[],
  now: Date,
  time: StepTimer = untimed,
): Promise<GroupsOutcome> {
  const outcome: GroupsOutcome = { applied: [], poisoned: [], counted: [], raced: false };
  const counted = new Map<string, HistoryDocument>();
  const hashes = await time('erase', () => erasureHashes(store, batches));
  let plain = true;
  const written: HistoryDocument[] = [];
  let pending = [...batches];
  for (let round = 0; pending.length > 0; round++) {
    if (round >= MAX_ROUNDS) throw new Error(`groups still contended after ${MAX_ROUNDS} rounds`);
    outcome.raced ||= round > 0;
    const ids = pending.map((b) => b.groupId);
    const docs = await time('read', () => store.groups.load(ids));
    const tails = await time('read', () => loadEventTails(store, pending, docs));
    const plans = pending.map((batch) =>
      planWithinLimit(docs.get(batch.groupId) ?? null, batch, now, tails.get(batch.groupId)),
    );
    if (round === 0)
      for (const r of await time('read', () => earlierRecords(store, plans))) counted.set(r._id, r);
    // Erasures first: a group's earlier lives are gone before the write that records it.
    await time('erase', () => eraseEarlierLives(store, plans, docs));
    const history = plans.flatMap((p) => historyOf(p, now, hashes));
    for (const r of history) counted.set(r._id, r);
    const fresh = await time('history', () => store.history.write(history));
    const folds = plans.flatMap((p) => foldUpdates(p.plan, tails.get(p.batch.groupId) ?? []));
    if (!fresh) folds.push(...newRecordFolds(history));
    await time('history', () => store.history.refold(folds));
    const failures = await time('write', () => writeGroups(store, plans));
    plain &&= round === 0 && fresh && failures.size === 0;
    plain &&= plans.every((p) => p.plan.eraseBelow === undefined);
    if (plain) written.push(...history);
    pending = [];
    for (const [i, p] of plans.entries()) {
      const failure = failures.get(i);
      if (failure === undefined) {
        collect(outcome, p);
      } else if (isDuplicateKey(failure)) {
        pending.push({ ...p.batch, reread: true }); // someone else wrote it: reload and refold
      } else {
        // The batch's history was written before its write failed: take it back, the items are
        // now applied (or dead-lettered) one by one, with versions of their own.
        const taken = historyOf(p, now, hashes).map((h) => h._id);
        await store.history.remove(taken);
        for (const id of taken) counted.delete(id);
        const rest = await applyOneByOne(store, p.batch, now, hashes);
        outcome.applied.push(...rest.applied);
        outcome.poisoned.push(...rest.poisoned);
        for (const r of rest.counted) counted.set(r._id, r);
        outcome.raced ||= rest.raced;
      }
    }
  }
  outcome.counted = [...counted.values()];
  return plain ? { ...outcome, history: written } : outcome;
}

/**
 * The records of items in these plans that an earlier delivery of the batch applied (the plans
 * skip them): read only when there are such items. Poison is not in a plan's entries.
 */
async function earlierRecords(store: Store, plans: readonly Planned[]): Promise<HistoryDocument[]> {
  const ids: string[] = [];
  for (const p of plans) {
    const appliedNow = new Set(p.plan.applied.map((a) => a.position));
    p.batch.entries.forEach((e, i) => {
      if (!appliedNow.has(i) && e.recordId !== undefined) ids.push(e.recordId);
    });
  }
  return ids.length === 0 ? [] : store.history.byIds(ids);
}

interface Planned {
  batch: GroupBatch;
  plan: GroupWritePlan;
  poisoned: Poisoned[];
}

/**
 * For every group whose items include an erasure: erase its earlier lives. Also for a group whose
 * stored document shows a past erasure when a guard miss made it be read again: a racing writer
 * of an earlier life may have written its history after that erasure ran.
 */
async function eraseEarlierLives(
  store: Store,
  plans: readonly Planned[],
  docs: ReadonlyMap<string, GroupDocument>,
): Promise<void> {
  for (const p of plans) {
    if (p.plan.eraseBelow !== undefined) {
      // The claims of what follows the batch's last erasure belong to the new life: kept.
      const last = p.batch.entries.findLastIndex((e) => isDeletion(e.item));
      const keepInsertIds = p.batch.entries
        .slice(last + 1)
        .flatMap((e) =>
          isDeletion(e.item) || e.item.insert_id === undefined ? [] : [e.item.insert_id],
        );
      await store.groups.eraseEarlierLives(p.batch.key, p.plan.eraseBelow, { keepInsertIds });
      continue;
    }
    // A guard miss: a racing writer may have written stale history of an erased life. Only
    // history: the claims and dead letters there now are the current life's.
    const base = docs.get(p.batch.groupId)?.base;
    if (p.batch.reread === true && base !== undefined)
      await store.groups.eraseEarlierLives(p.batch.key, base, { historyOnly: true });
  }
}

/**
 * Plans the batch; an item that would take the group past the size limit is set aside. `tail`:
 * what its late identifications are placed before (`loadEventTails`).
 */
function planWithinLimit(
  doc: GroupDocument | null,
  batch: GroupBatch,
  now: Date,
  tail: readonly TailRecord[] = [],
): Planned {
  const plan = planGroupWrite(doc, batch.key, foldItems(batch.entries), now, storedForm, tail);
  if (!exceedsDocumentLimit(plan.properties)) return { batch, plan, poisoned: [] };
  const kept: SequencedItem[] = [];
  const poisoned: Poisoned[] = [];
  for (const entry of batch.entries) {
    const trial = planGroupWrite(
      doc,
      batch.key,
      foldItems([...kept, entry]),
      now,
      storedForm,
      tail,
    );
    if (!exceedsDocumentLimit(trial.properties)) kept.push(entry);
    else poisoned.push({ entry, reason: 'the group document would exceed the 16 MB limit' });
  }
  return {
    batch: { ...batch, entries: kept },
    plan: planGroupWrite(doc, batch.key, foldItems(kept), now, storedForm, tail),
    poisoned,
  };
}

/** The items of `entries` as the fold takes them: position, and operations or erasure. */
function foldItems(entries: readonly SequencedItem[]): FoldItem[] {
  return entries.map((e) =>
    isDeletion(e.item)
      ? { seq: e.seq, erase: true }
      : { seq: e.seq, group_properties: e.item.group_properties, event: placeOf(e) },
  );
}

/** Where an item goes in event-time order, with its history record (undefined: by arrival). */
function placeOf(e: SequencedItem) {
  const event = eventOf(e.item);
  return event === undefined ? undefined : { ...event, record: e.recordId ?? sequenceId(e.seq) };
}

/**
 * The keyed hash of the value of each group of the batch that holds an erasure: its erasure
 * records keep that instead of the value (docs/guarantees.md#erasure-in-order-exactly-once).
 */
async function erasureHashes(
  store: Store,
  batches: readonly GroupBatch[],
): Promise<Map<string, string>> {
  const hashes = new Map<string, string>();
  for (const batch of batches) {
    if (!batch.entries.some((e) => isDeletion(e.item))) continue;
    const key = await store.erasureKeys.keyOf(batch.key.project);
    hashes.set(batch.groupId, groupHash(key, batch.key.group_value));
  }
  return hashes;
}

function historyOf(p: Planned, now: Date, hashes: ReadonlyMap<string, string>): HistoryDocument[] {
  // Items before the batch's last erasure are erased with it: only the erasures' own records
  // are kept of them.
  const erasedBelow = p.plan.eraseBelow ?? 0;
  const kept = p.plan.applied.filter((a) => a.version >= erasedBelow || a.kind === 'delete');
  return kept.map((applied) => {
    const { item, seq, groupId, recordId } = p.batch.entries[applied.position] as SequencedItem;
    return historyRecord(
      {
        id: recordId,
        seq,
        groupId,
        project: item.project,
        receivedAt: item.received_at,
        insertId: isDeletion(item) ? undefined : item.insert_id,
        source: isDeletion(item) ? undefined : item.source,
        groupProperties: isDeletion(item) ? undefined : item.group_properties,
        time: isDeletion(item) ? undefined : (item.time ?? item.received_at),
        timeReplaced: isDeletion(item) ? undefined : item.time_replaced,
        applied,
        stepFrom: p.plan.version,
        groupHash: applied.kind === 'delete' ? hashes.get(groupId) : undefined,
      },
      now,
    );
  });
}

function collect(outcome: GroupsOutcome, p: Planned): void {
  for (const a of p.plan.applied)
    outcome.applied.push({ entry: p.batch.entries[a.position] as SequencedItem, applied: a });
  outcome.poisoned.push(...p.poisoned);
}

/** Writes the plans that have a write; returns the error of each failed plan by its index. */
async function writeGroups(store: Store, plans: readonly Planned[]): Promise<Map<number, unknown>> {
  const withWrite = plans.flatMap((p, i) =>
    p.plan.write === undefined ? [] : [{ i, write: p.plan.write }],
  );
  const failures = await store.groups.write(withWrite.map((w) => w.write));
  return new Map([...failures].map(([k, error]) => [withWrite[k]?.i ?? -1, error]));
}

/**
 * The store refused a group's batch for a reason of its own: apply the items one at a time so
 * that only the ones it refuses are dead-lettered (with its message), in order.
 */
async function applyOneByOne(
  store: Store,
  batch: GroupBatch,
  now: Date,
  hashes: ReadonlyMap<string, string>,
): Promise<GroupsOutcome> {
  const outcome: GroupsOutcome = { applied: [], poisoned: [], counted: [], raced: false };
  for (const entry of batch.entries) {
    const single: GroupBatch = { ...batch, entries: [entry] };
    for (let round = 0; ; round++) {
      const docs = await store.groups.load([batch.groupId]);
      const tail = (await loadEventTails(store, [single], docs)).get(batch.groupId) ?? [];
      const p = planWithinLimit(docs.get(batch.groupId) ?? null, single, now, tail);
      await eraseEarlierLives(store, [p], docs);
      const history = historyOf(p, now, hashes);
      const fresh = await store.history.write(history);
      await store.history.refold([
        ...foldUpdates(p.plan, tail),
        ...(fresh ? [] : newRecordFolds(history)),
      ]);
      const failure = (await writeGroups(store, [p])).get(0);
      if (failure === undefined) {
        collect(outcome, p);
        outcome.counted.push(...history);
        break;
      }
      if (isDuplicateKey(failure) && round < MAX_ROUNDS) {
        outcome.raced = true;
        continue;
      }
      await store.history.remove(history.map((h) => h._id));
      // An erasure is never dead-lettered: it is retried in order, like an outage.
      if (isDeletion(entry.item))
        throw failure instanceof Error ? failure : new Error(storeErrorMessage(failure));
      outcome.poisoned.push({
        entry,
        reason: `the store refused it: ${storeErrorMessage(failure)}`,
      });
      break;
    }
  }
  return outcome;
}
