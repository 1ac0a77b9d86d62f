import {
  queuedGroupMember,
  type AnnouncedSegment,
  type JobPayload,
} from '@groupidentify/queue-contract';
import { feedJobKey, feedRecordId, type FeedJob, type Store } from '@groupidentify/store';
import { announcedSegments } from './announced-segments.js';
import { countChanges } from './count-changes.js';
import { applyGroups, type GroupBatch, type Poisoned } from './group-writes.js';
import { dropDuplicates, releaseClaims } from './insert-id-claims.js';
import { sequenceItems, type SequencedItem } from './sequenced-item.js';
import { untimed, type StepTimer } from './step-timer.js';

/** Where a job sits: its partition and its place in the partition queue's life. */
export interface JobPosition {
  partition: number;
  epoch: string;
  job: number;
}

export interface ApplyOutcome {
  /** Items applied now, with their accepted → applied lag. */
  applied: { receivedAt: number }[];
  /** Items skipped as client retries (same `insert_id`). */
  duplicates: number;
  deadLetters: number;
  /** The change feed positions now final, per project (to tell the feed's readers). */
  committed: Map<string, number>;
  /** Projects whose group counts in this partition are to be recounted (a race was seen). */
  recount: string[];
  /**
   * The batch's groups that are now in the store, as the queued-groups set holds them: all but
   * those whose items were only dead-lettered (their marks go, docs/guarantees.md#erasure).
   */
  written: string[];
  /**
   * The batch's changes, per project, when readers may take them from its notice (built only
   * when asked: only when the feed has readers).
   */
  changes: () => Map<string, AnnouncedSegment> | undefined;
}

/**
 * Applies the items of one partition — one job's, or several consecutive jobs' — exactly once:
 * insert_id dedup, then read–fold–write per group, then dead letters. Safe to run again on the
 * same items (redelivery, a racing worker, a retry after a store outage): every write is guarded
 * by the group's applied sequence or has an id from the item's position.
 */
export async function applyItems(
  store: Store,
  partition: number,
  items: readonly SequencedItem[],
  now: Date,
  time: StepTimer = untimed,
): Promise<ApplyOutcome> {
  const placed = await time('feed', () => placeInFeed(store, partition, items));
  const kept = await time('claims', () => dropDuplicates(store, placed.items, now));
  const outcome = await applyGroups(store, batchByGroup(kept), now, time);
  await time('dead_letters', () => recordPoisoned(store, partition, outcome.poisoned, now));
  // Every write of the batch is done: its positions are final (docs/guarantees.md#change-feed),
  // and what its records add to the group counts is added in the same write.
  const counts = countChanges(placed.last.keys(), outcome.counted, outcome.raced);
  const recount = await time('feed', () => store.feed.commit(partition, placed.last, counts));
  return {
    recount,
    written: writtenGroups(items, outcome),
    applied: outcome.applied.map((a) => ({ receivedAt: a.entry.item.received_at })),
    duplicates: items.length - kept.length,
    deadLetters: outcome.poisoned.length,
    committed: placed.last,
    changes: () => announcedSegments(placed.items, kept.length, outcome),
  };
}

/**
 * Gives each item its change feed position: consecutive per project within its job, from the
 * positions reserved for the job (once: a redelivered job gets the same ones). Its history
 * record's `_id` is that position. Returns the items and the last position per project.
 */
export async function placeInFeed(
  store: Store,
  partition: number,
  items: readonly SequencedItem[],
): Promise<{ items: SequencedItem[]; last: Map<string, number> }> {
  const jobs = new Map<string, FeedJob & { counts: Map<string, number> }>();
  for (const { item, seq } of items) {
    const key = feedJobKey(seq.epoch, seq.job);
    let job = jobs.get(key);
    if (job === undefined) jobs.set(key, (job = { ...seq, counts: new Map() }));
    job.counts.set(item.project, (job.counts.get(item.project) ?? 0) + 1);
  }
  const firsts = await store.feed.reserve(partition, [...jobs.values()]);
  const next = new Map<string, number>(); // `job project` → the next position to give
  const last = new Map<string, number>();
  const placed = items.map((s) => {
    const key = `${feedJobKey(s.seq.epoch, s.seq.job)} ${s.item.project}`;
    const position =
      next.get(key) ?? firsts.get(feedJobKey(s.seq.epoch, s.seq.job))?.get(s.item.project);
    if (position === undefined) throw new Error('internal: an item without a feed position');
    next.set(key, position + 1);
    last.set(s.item.project, Math.max(last.get(s.item.project) ?? 0, position));
    return { ...s, recordId: feedRecordId(s.item.project, partition, position), position };
  });
  return { items: placed, last };
}

/** {@link applyItems} for one job at `position`. */
export function applyJob(
  store: Store,
  payload: JobPayload,
  position: JobPosition,
  now: Date,
): Promise<ApplyOutcome> {
  const items = sequenceItems(payload.items, position.epoch, position.job);
  return applyItems(store, position.partition, items, now);
}

function writtenGroups(
  items: readonly SequencedItem[],
  outcome: { applied: { entry: SequencedItem }[]; poisoned: readonly Poisoned[] },
): string[] {
  const poisoned = new Set(outcome.poisoned.map((p) => p.entry.groupId));
  for (const a of outcome.applied) poisoned.delete(a.entry.groupId);
  const written = new Map<string, string>();
  for (const s of items)
    if (!poisoned.has(s.groupId) && !written.has(s.groupId))
      written.set(s.groupId, queuedGroupMember(s.item));
  return [...written.values()];
}

function batchByGroup(items: readonly SequencedItem[]): GroupBatch[] {
  const batches = new Map<string, GroupBatch>();
  for (const s of items) {
    let batch = batches.get(s.groupId);
    if (batch === undefined) {
      const { project, group_type, group_value } = s.item;
      batch = { groupId: s.groupId, key: { project, group_type, group_value }, entries: [] };
      batches.set(s.groupId, batch);
    }
    batch.entries.push(s);
  }
  return [...batches.values()];
}

/** Dead-letters poison items and gives back their insert_id claims, so a replay can apply them. */
async function recordPoisoned(
  store: Store,
  partition: number,
  poisoned: readonly Poisoned[],
  now: Date,
): Promise<void> {
  if (poisoned.length === 0) return;
  const letters = poisoned.map(({ entry, reason }) => ({
    seq: entry.seq,
    item: entry.item,
    reason,
  }));
  await store.deadLetters.add(partition, letters, now);
  await releaseClaims(
    store,
    poisoned.map((p) => p.entry),
  );
}
