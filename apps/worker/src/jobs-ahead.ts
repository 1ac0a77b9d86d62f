import type { Queue } from 'bullmq';
import {
  parseJobPayload,
  readWaitingJobs,
  type JobPayload,
  type RedisClient,
} from '@groupidentify/queue-contract';

/** A waiting job read ahead of its turn. */
export interface AheadJob {
  id: number;
  payload: JobPayload;
}

/**
 * How many waiting jobs each Redis call reads, one call after the other until the batch is full:
 * few at first (a backlog of big jobs is not all read to take two), more while they are small
 * (under a steady load, jobs of one to a few identifications each).
 */
const READS = [8, 32, 128, 512];

/**
 * The jobs waiting behind job `after` in its partition queue, oldest first, that can be applied
 * together with it: readable ones, while the queue is not paused, up to `maxItems` items counting
 * the `itemsSoFar` of job `after` (at least one job, whatever its size). Under load a partition's
 * backlog is many small jobs (ingest makes one per flush); applying them together costs one read,
 * one history insert and one bulk write instead of three round trips each. Jobs are read in
 * rounds of growing size ({@link READS}).
 */
export async function jobsAhead(
  queue: Queue<JobPayload>,
  client: RedisClient,
  after: number,
  itemsSoFar: number,
  maxItems: number,
): Promise<AheadJob[]> {
  if (itemsSoFar >= maxItems) return [];
  const taken: AheadJob[] = [];
  let items = itemsSoFar;
  let skip = 0;
  for (const count of READS) {
    const jobs = await readWaitingJobs(queue, client, skip, count);
    for (const job of jobs) {
      const id = Number(job.id);
      // Queue order is id order within a queue's life; a job gone meanwhile, or anything out of
      // order, ends the run.
      if (job.data === undefined || !Number.isSafeInteger(id) || id <= (taken.at(-1)?.id ?? after))
        return taken;
      const parsed = parseJobPayload(parseData(job.data));
      if (!parsed.ok) return taken; // dead-lettered in its own turn
      if (items + parsed.payload.items.length > maxItems && taken.length > 0) return taken;
      taken.push({ id, payload: parsed.payload });
      items += parsed.payload.items.length;
      if (items >= maxItems) return taken;
    }
    if (jobs.length < count) return taken;
    skip += count;
  }
  return taken;
}

/** A job's stored data (JSON text, as BullMQ keeps it); anything unreadable as is. */
function parseData(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/**
 * The jobs of one partition this process applied ahead of their turn. When such a job's turn
 * comes it is completed without touching the store. Only a memo: if another process gets the
 * job (this one died), it applies it again, and the groups' applied sequences make that a no-op.
 */
export class AppliedAhead {
  private epoch: string | undefined;
  private readonly ids = new Set<number>();

  add(epoch: string, ids: readonly number[]): void {
    this.reset(epoch);
    for (const id of ids) this.ids.add(id);
  }

  /** True, once, when job `id` of `epoch` was applied ahead; forgets any older ones. */
  take(epoch: string, id: number): boolean {
    this.reset(epoch);
    const had = this.ids.delete(id);
    for (const old of this.ids) if (old < id) this.ids.delete(old);
    return had;
  }

  private reset(epoch: string): void {
    if (epoch === this.epoch) return;
    this.epoch = epoch;
    this.ids.clear();
  }
}
