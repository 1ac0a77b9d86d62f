import { findByIds, type Collections } from './collections.js';
import type { FeedHeadDocument, HistoryDocument } from './documents.js';
import { allDuplicateKeys } from './store-errors.js';

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
 * job once (a redelivered job gets the same ones), and its history record's `_id` says it. The
 * partition's single consumer commits them after the writes; positions up to `committed` are
 * final, so a reader never goes past a position whose record may still be written.
 */
export interface ChangeFeedStore {
  /**
   * The first position of each project's items in each job (by `epoch:job`): the ones reserved
   * before for that job, or new ones.
   */
  reserve(
    partition: number,
    jobs: readonly FeedJob[],
    now: Date,
  ): Promise<Map<string, Map<string, number>>>;
  /** Marks positions up to `upTo` (per project) as final. */
  commit(partition: number, upTo: ReadonlyMap<string, number>): Promise<void>;
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
const rangeId = (partition: number, epoch: string, job: number): string =>
  `${partition}:${epoch}:${job}`;
/** A job's key in what {@link ChangeFeedStore.reserve} returns. */
export const feedJobKey = (epoch: string, job: number): string => `${epoch}:${job}`;

export function changeFeedStore({ feedHeads, feedRanges, history }: Collections): ChangeFeedStore {
  const known = async (partition: number, jobs: readonly FeedJob[]) => {
    const ids = jobs.map((j) => rangeId(partition, j.epoch, j.job));
    const docs = await findByIds(feedRanges, ids);
    return new Map(docs.map((d) => [d._id, new Map(d.first.map((f) => [f.project, f.position]))]));
  };
  return {
    async reserve(partition, jobs, now) {
      const reserved = await known(partition, jobs);
      const missing = jobs.filter((j) => !reserved.has(rangeId(partition, j.epoch, j.job)));
      if (missing.length > 0) {
        // One reservation per project for all the missing jobs, split among them in order.
        const totals = new Map<string, number>();
        for (const j of missing)
          for (const [project, n] of j.counts) totals.set(project, (totals.get(project) ?? 0) + n);
        const next = new Map<string, number>();
        for (const [project, n] of totals) {
          const head = await feedHeads.findOneAndUpdate(
            { _id: headId(project, partition) },
            {
              $inc: { next: n },
              $setOnInsert: { project, partition, committed: 0 },
            },
            { upsert: true, returnDocument: 'after' },
          );
          if (head === null) throw new Error('internal: an upsert returns its document');
          next.set(project, head.next - n + 1);
        }
        const docs = missing.map((j) => {
          const first: { project: string; position: number }[] = [];
          for (const [project, n] of j.counts) {
            const position = next.get(project) ?? 1;
            first.push({ project, position });
            next.set(project, position + n);
          }
          return { _id: rangeId(partition, j.epoch, j.job), first, created_at: now };
        });
        try {
          await feedRanges.insertMany(docs, { ordered: false });
          for (const d of docs)
            reserved.set(d._id, new Map(d.first.map((f) => [f.project, f.position])));
        } catch (error) {
          // Another worker reserved some of these jobs first: theirs hold (ours stay unused).
          if (!allDuplicateKeys(error)) throw error;
          for (const [id, first] of await known(partition, missing)) reserved.set(id, first);
        }
      }
      const byJob = new Map<string, Map<string, number>>();
      for (const j of jobs) {
        const first = reserved.get(rangeId(partition, j.epoch, j.job));
        if (first === undefined) throw new Error('internal: a job without feed positions');
        byJob.set(feedJobKey(j.epoch, j.job), first);
      }
      return byJob;
    },
    async commit(partition, upTo) {
      if (upTo.size === 0) return;
      await feedHeads.bulkWrite(
        [...upTo].map(([project, position]) => ({
          updateOne: {
            filter: { _id: headId(project, partition) },
            update: { $max: { committed: position } },
          },
        })),
        { ordered: false },
      );
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
