import { setTimeout as sleep } from 'node:timers/promises';
import type { Queue } from 'bullmq';
import {
  enqueueJobs,
  partitionOf,
  queuedIdentification,
  type JobPayload,
  type QueuedIdentification,
  type QueuingProject,
} from '@groupidentify/queue-contract';
import type { ImportLine } from './import-lines.js';

/** Items per job, as ingest's largest flush. */
export const IMPORT_JOB_ITEMS = 1000;
/**
 * Waiting jobs a partition may hold before the import waits for the workers: enough to keep them
 * busy, few enough that live identifications queued behind are not held back long, and far from
 * the backlog at which ingest answers 429.
 */
export const IMPORT_MAX_WAITING_JOBS = 2;
const ROOM_POLL_MS = 100;

export interface QueueImportOptions {
  project: QueuingProject;
  /** The run's id, in every line's `insert_id`. */
  runId: string;
  partitions: number;
  queueOf(partition: number): Queue<JobPayload>;
  /** Lines up to this one are queued already (a resumed run). */
  after: number;
  /** Every line up to `line` is durably queued. */
  checkpoint(line: number): Promise<void>;
  /** After each chunk, and while waiting for the workers (`waiting`: jobs queued ahead). */
  progress(state: { line: number; queued: number; waiting?: number }): void;
}

/** What a run queued: how many lines, and per partition its last job (to wait for). */
export interface QueuedImport {
  queued: number;
  lastJobs: Map<number, string>;
}

/**
 * Queues the good lines of `lines` after `options.after`, each as an identification `$set`ting
 * its properties with `insert_id` `import:<run>:<line>` (so that a line sent again after a resume
 * is skipped by the worker's insert_id dedup), in chunks that end when one partition has a full
 * job: each chunk adds at most one job to a partition, after waiting until the workers have taken
 * the partition's queue below {@link IMPORT_MAX_WAITING_JOBS} waiting jobs. After each chunk, the
 * checkpoint moves to the chunk's last line.
 */
export async function queueImport(
  lines: AsyncIterable<ImportLine>,
  options: QueueImportOptions,
): Promise<QueuedImport> {
  const done: QueuedImport = { queued: 0, lastJobs: new Map() };
  let chunk = new Map<number, QueuedIdentification[]>();
  let inChunk = 0;
  let lastLine = options.after;
  const flush = async () => {
    await Promise.all(
      [...chunk].map(async ([partition, items]) => {
        const queue = options.queueOf(partition);
        await roomIn(queue, (waiting) => options.progress({ line: lastLine, ...done, waiting }));
        const [id] = await enqueueJobs(queue, [{ v: 1, items }]);
        if (id !== undefined) done.lastJobs.set(partition, id);
      }),
    );
    done.queued += inChunk;
    await options.checkpoint(lastLine);
    options.progress({ line: lastLine, queued: done.queued });
    chunk = new Map();
    inChunk = 0;
  };
  for await (const { line, row } of lines) {
    if (line <= options.after) continue;
    lastLine = line;
    if (!row.ok) continue; // a bad line that --skip-bad reported
    const item: QueuedIdentification = {
      ...queuedIdentification(options.project, row.identification, Date.now()),
      insert_id: `import:${options.runId}:${line}`,
      source: 'import',
    };
    const partition = partitionOf(item, options.partitions);
    const items = chunk.get(partition) ?? [];
    items.push(item);
    chunk.set(partition, items);
    inChunk++;
    if (items.length >= IMPORT_JOB_ITEMS) await flush();
  }
  await flush();
  return done;
}

/** Resolves once `queue` holds fewer than {@link IMPORT_MAX_WAITING_JOBS} waiting jobs. */
async function roomIn(queue: Queue<JobPayload>, waiting: (jobs: number) => void): Promise<void> {
  for (;;) {
    const jobs = await queue.getWaitingCount();
    if (jobs < IMPORT_MAX_WAITING_JOBS) return;
    waiting(jobs);
    await sleep(ROOM_POLL_MS);
  }
}
