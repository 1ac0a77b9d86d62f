import type { UpdateFilter } from 'mongodb';
import { findByIds, type Collections } from './collections.js';
import type { FeedHeadDocument, FeedReservation, HistoryDocument } from './documents.js';
import { isDuplicateKey } from './store-errors.js';
import { encodeName } from './stored-form.js';

/**
 * What one commit adds to a project's group counts (docs/storage.md#group-counts): per group type
 * (as sent), the sum of the `live_delta` of the records it makes final; `exact` false when the
 * batch may have raced with another worker (the head is then marked for a recount).
 */
export interface CountChange {
  delta: ReadonlyMap<string, number>;
  exact: boolean;
}

/** One job's items, counted by project: what its feed positions are reserved for. */
export interface FeedJob {
  epoch: string;
  job: number;
  /** Items of the job per project. */
  counts: ReadonlyMap<string, number>;
}

/**
 * The change feed's positions (docs/guarantees.md#change-feed). Each project has, in each
 * partition, a sequence of positions with no gaps: every queued item gets one, reserved for its
 * job once (a redelivered job gets the same ones: its reservation stays in the head's `pending`
 * until committed), and its history record's `_id` says it. The partition's single consumer
 * commits them after the writes; positions up to `committed` are final, so a reader never goes
 * past a position whose record may still be written. One write per reservation and one per
 * commit: this process remembers each head it wrote, and every write is guarded by `next`.
 */
export interface ChangeFeedStore {
  /**
   * The first position of each project's items in each job (by `epoch:job`): the ones reserved
   * before for that job, or new ones.
   */
  reserve(partition: number, jobs: readonly FeedJob[]): Promise<Map<string, Map<string, number>>>;
  /**
   * Marks positions up to `upTo` (per project) as final, adding `counts` to the project's group
   * counts in the same write. Returns the projects whose counts in this partition are to be
   * recounted (see {@link ChangeFeedStore.setCounts}).
   */
  commit(
    partition: number,
    upTo: ReadonlyMap<string, number>,
    counts?: ReadonlyMap<string, CountChange>,
  ): Promise<string[]>;
  /**
   * Replaces the project's group counts in this partition with `counts` (per type, as sent),
   * exact as of the committed position `atCommitted`: nothing is written if a commit came since.
   * True when written.
   */
  setCounts(
    project: string,
    partition: number,
    counts: ReadonlyMap<string, number>,
    atCommitted: number,
  ): Promise<boolean>;
  /** The committed position of the project's head in this partition (0 when it has none). */
  committed(project: string, partition: number): Promise<number>;
  /** The committed position of each partition (0 where there is none yet). */
  heads(project: string, partitions: number): Promise<number[]>;
  /** The history records at positions `from + 1` to `to` of a partition, in position order. */
  read(
    project: string,
    partition: number,
    from: number,
    to: number,
  ): Promise<(HistoryDocument & { position: number })[]>;
}

/** The history record `_id` of a feed position. */
export function feedRecordId(project: string, partition: number, position: number): string {
  return JSON.stringify(['f', project, partition, position]);
}

const headId = (project: string, partition: number): string => JSON.stringify([project, partition]);
/** A job's key in what {@link ChangeFeedStore.reserve} returns. */
export const feedJobKey = (epoch: string, job: number): string => `${epoch}:${job}`;

/** What this process last saw of a head: saves reading it before every reservation. */
interface CachedHead {
  /** False until the head document exists (its first reservation creates it). */
  exists: boolean;
  next: number;
  committed: number;
  pending: FeedReservation[];
  countsExact: boolean;
}

// A write that lost to another process (its `next` moved) reloads the head and tries again.
const MAX_ATTEMPTS = 10;

export function changeFeedStore({ feedHeads, history }: Collections): ChangeFeedStore {
  const cache = new Map<string, CachedHead>();
  const load = async (id: string): Promise<CachedHead> => {
    const doc = await feedHeads.findOne({ _id: id });
    const head = {
      exists: doc !== null,
      next: doc?.next ?? 0,
      committed: doc?.committed ?? 0,
      pending: doc?.pending ?? [],
      countsExact: doc?.counts_exact !== false,
    };
    cache.set(id, head);
    return head;
  };

  /** Reserves (once) the positions of one project's items in `jobs`; first position by job. */
  const reserveFor = async (
    project: string,
    partition: number,
    jobs: readonly { key: string; count: number }[],
  ): Promise<Map<string, number>> => {
    const id = headId(project, partition);
    let head = cache.get(id) ?? (await load(id));
    for (let attempt = 1; ; attempt++) {
      const known = new Map(head.pending.map((r) => [r.job, r.first]));
      const missing = jobs.filter((j) => !known.has(j.key));
      if (missing.length === 0) return known;
      const added: FeedReservation[] = [];
      let next = head.next;
      for (const j of missing) {
        added.push({ job: j.key, first: next + 1, count: j.count });
        next += j.count;
      }
      // Guarded by `next`: if another process reserved meanwhile, nothing is written.
      const written = !head.exists
        ? await createHead(id, project, partition, next, added)
        : (
            await feedHeads.updateOne(
              { _id: id, next: head.next },
              { $set: { next }, $push: { pending: { $each: added } } },
            )
          ).modifiedCount === 1;
      if (written) {
        head = { ...head, exists: true, next, pending: [...head.pending, ...added] };
        cache.set(id, head);
        for (const r of added) known.set(r.job, r.first);
        return known;
      }
      if (attempt >= MAX_ATTEMPTS) throw new Error(`feed head ${id} keeps moving`);
      head = await load(id);
    }
  };
  const createHead = async (
    id: string,
    project: string,
    partition: number,
    next: number,
    pending: FeedReservation[],
  ): Promise<boolean> => {
    try {
      await feedHeads.insertOne({
        _id: id,
        project,
        partition,
        next,
        committed: 0,
        pending,
        counts: {},
      });
      return true;
    } catch (error) {
      if (isDuplicateKey(error)) return false; // it exists after all: reload
      throw error;
    }
  };

  return {
    async reserve(partition, jobs) {
      const byProject = new Map<string, { key: string; count: number }[]>();
      for (const j of jobs)
        for (const [project, count] of j.counts) {
          let list = byProject.get(project);
          if (list === undefined) byProject.set(project, (list = []));
          list.push({ key: feedJobKey(j.epoch, j.job), count });
        }
      const byJob = new Map<string, Map<string, number>>();
      for (const [project, list] of byProject) {
        const firsts = await reserveFor(project, partition, list);
        for (const { key } of list) {
          let map = byJob.get(key);
          if (map === undefined) byJob.set(key, (map = new Map<string, number>()));
          const first = firsts.get(key);
          if (first === undefined) throw new Error('internal: a job without feed positions');
          map.set(project, first);
        }
      }
      return byJob;
    },
    async commit(partition, upTo, counts) {
      const recount: string[] = [];
      for (const [project, position] of upTo) {
        const id = headId(project, partition);
        const change = counts?.get(project);
        let head = cache.get(id) ?? (await load(id));
        const committedBefore = head.committed;
        for (let attempt = 1; ; attempt++) {
          // Another process committed this head since this one read it: the two raced on the
          // partition, and what this batch counted may overlap what it counted.
          const raced = head.committed !== committedBefore;
          const exact = head.countsExact && !raced && (change?.exact ?? true);
          // Reservations wholly at or below the commit are done with.
          const pending = head.pending.filter((r) => r.first + r.count - 1 > position);
          const update: UpdateFilter<FeedHeadDocument> = {
            $max: { committed: position },
            $set: { pending, ...(exact ? {} : { counts_exact: false }) },
          };
          if (exact && change !== undefined) {
            const inc: Record<string, number> = {};
            for (const [type, delta] of change.delta)
              if (delta !== 0) inc[`counts.${encodeName(type)}`] = delta;
            if (Object.keys(inc).length > 0) update.$inc = inc;
          }
          // Counts marked inexact by another process since this one read the head: read it again.
          const filter = { _id: id, next: head.next, committed: head.committed };
          const result = await feedHeads.updateOne(
            head.countsExact ? { ...filter, counts_exact: { $ne: false } } : filter,
            update,
          );
          if (result.matchedCount === 1) {
            cache.set(id, {
              exists: true,
              next: head.next,
              committed: Math.max(head.committed, position),
              pending,
              countsExact: exact,
            });
            if (!exact) recount.push(project);
            break;
          }
          if (attempt >= MAX_ATTEMPTS) throw new Error(`feed head ${id} keeps moving`);
          head = await load(id);
        }
      }
      return recount;
    },
    async setCounts(project, partition, counts, atCommitted) {
      const id = headId(project, partition);
      const encoded: Record<string, number> = {};
      for (const [type, n] of counts) if (n !== 0) encoded[encodeName(type)] = n;
      const result = await feedHeads.updateOne(
        { _id: id, committed: atCommitted },
        { $set: { counts: encoded, counts_exact: true } },
      );
      cache.delete(id); // read again before its next write
      return result.matchedCount === 1;
    },
    async committed(project, partition) {
      return (await load(headId(project, partition))).committed;
    },
    async heads(project, partitions) {
      const ids = Array.from({ length: partitions }, (_, p) => headId(project, p));
      const docs: FeedHeadDocument[] = await findByIds(feedHeads, ids);
      const committed = new Array<number>(partitions).fill(0);
      for (const d of docs) if (d.partition < partitions) committed[d.partition] = d.committed;
      return committed;
    },
    async read(project, partition, from, to) {
      const ids: string[] = [];
      for (let position = from + 1; position <= to; position++)
        ids.push(feedRecordId(project, partition, position));
      const docs = await findByIds(history, ids);
      const positionOf = new Map(ids.map((id, i) => [id, from + 1 + i]));
      return docs
        .map((d) => ({ ...d, position: positionOf.get(d._id) ?? 0 }))
        .sort((a, b) => a.position - b.position);
    },
  };
}
