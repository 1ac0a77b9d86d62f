import { setTimeout as delay } from 'node:timers/promises';
import { MongoClient } from 'mongodb';
import { startWorkerChild, type WorkerChild } from './apps.js';
import type { Cleanup } from './cleanup.js';
import { step } from './log.js';
import type { PartitionQueues } from './partition-queues.js';
import { postAll } from './post-bodies.js';
import { peakRssMb } from './proc-memory.js';
import { scrapeWorker, sumSnapshots } from './worker-scrape.js';

/** The pipeline the drains run through: one ingest child and its partition queues. */
export interface Pipeline {
  cleanup: Cleanup;
  redisUrl: string;
  queuePrefix: string;
  ingestUrl: string;
  queues: PartitionQueues;
}

export interface DrainSpec {
  name: string;
  /** Database the workers write to (fresh, so every drain starts from an empty collection). */
  dbUrl: string;
  /** Form bodies to preload; together `items` identifications. */
  bodies: readonly Buffer[];
  items: number;
  /** After the drain: this many groups must be at `version`. */
  groups: number;
  version: number;
  workers: number;
  /** Leave the workers running (their caller stops them). */
  keepWorkers?: boolean;
}

export interface DrainResult {
  idsPerSec: number;
  seconds: number;
  /** Mean identifications per job the workers got. */
  batchMean: number;
  /** Highest peak RSS (VmHWM) among the workers, MB. */
  workerRssMb: number;
  workers: WorkerChild[];
}

/**
 * Preloads a backlog through ingest while the partition queues are paused, starts `workers`
 * worker processes, and times from `resume()` until every job is done (polled in Redis, which
 * costs the workers nothing); then checks every group reached its version.
 */
export async function measureDrain(pipe: Pipeline, spec: DrainSpec): Promise<DrainResult> {
  step(`${spec.name}: preloading ${spec.items} identifications through ingest (queues paused)`);
  await pipe.queues.pause();
  await postAll(pipe.ingestUrl, spec.bodies);
  step(`${spec.name}: starting ${spec.workers} worker process(es)`);
  const workers = await Promise.all(
    Array.from({ length: spec.workers }, (_, i) =>
      startWorkerChild(
        pipe.cleanup,
        { redisUrl: pipe.redisUrl, mongoUrl: spec.dbUrl, queuePrefix: pipe.queuePrefix },
        `worker ${spec.name} #${i + 1}`,
      ),
    ),
  );
  const before = sumSnapshots(await Promise.all(workers.map((w) => scrapeWorker(w.metricsUrl))));
  step(`${spec.name}: draining`);
  const started = performance.now();
  await pipe.queues.resume();
  try {
    await waitUntilDrained(pipe.queues, spec.name);
  } catch (error) {
    // What the workers last said is the first thing to read when a drain stalls.
    const tails = workers.map((w) => `--- ${w.name} (pid ${w.pid}):\n${w.output().slice(-1500)}`);
    if (error instanceof Error) error.message += `\n${tails.join('\n')}`;
    throw error;
  }
  const seconds = (performance.now() - started) / 1000;
  const after = sumSnapshots(await Promise.all(workers.map((w) => scrapeWorker(w.metricsUrl))));
  const applied = after.applied - before.applied;
  if (applied !== spec.items || after.deadLetters > 0)
    throw new Error(`${spec.name}: applied ${applied} of ${spec.items}, ${after.deadLetters} dead`);
  await checkVersions(spec);
  const workerRssMb = Math.max(...workers.map((w) => peakRssMb(w.pid) ?? 0));
  if (spec.keepWorkers !== true) await Promise.all(workers.map((w) => w.stop()));
  const jobs = after.batchSizeCount - before.batchSizeCount;
  return {
    idsPerSec: spec.items / seconds,
    seconds,
    batchMean: jobs > 0 ? (after.batchSizeSum - before.batchSizeSum) / jobs : 0,
    workerRssMb,
    workers,
  };
}

/** A drain with no job completed for this long has stalled (the bench gives up, see below). */
export const STALL_MS = 30_000;
/** No drain may take longer than this, progress or not: the default run must end in 10 minutes. */
export const DRAIN_DEADLINE_MS = 180_000;

/**
 * Polls the partition queues until no job is left; a progress line every 5 s. Fails when no job
 * completes for {@link STALL_MS}, or when the whole drain takes over {@link DRAIN_DEADLINE_MS}:
 * a store that stops answering (as unpatched FerretDB did, BENCHMARKS.md) must not hang the bench.
 */
export async function waitUntilDrained(queues: PartitionQueues, name: string): Promise<void> {
  const started = Date.now();
  let lastLine = Date.now();
  // Progress is a new low: a job moving between states may make the count wobble.
  let lowest = Infinity;
  let lastProgress = Date.now();
  for (;;) {
    const { pending, failed, byState } = await queues.counts();
    if (failed > 0) throw new Error(`${name}: ${failed} jobs failed`);
    if (pending === 0) return;
    if (pending < lowest) {
      lowest = pending;
      lastProgress = Date.now();
    } else if (Date.now() - lastProgress > STALL_MS) {
      throw new Error(
        `${name}: stalled, ${pending} jobs left (${byState}) and none completed for ` +
          `${STALL_MS / 1000} s ` +
          '(the store stopped answering the workers; see BENCHMARKS.md)',
      );
    }
    if (Date.now() - started > DRAIN_DEADLINE_MS) {
      throw new Error(
        `${name}: too slow, ${pending} jobs still left (${byState}) after ` +
          `${DRAIN_DEADLINE_MS / 1000} s ` +
          '(the store slows down as collections grow; see BENCHMARKS.md)',
      );
    }
    if (Date.now() - lastLine > 5000) {
      step(`${name}: ${pending} jobs to go`);
      lastLine = Date.now();
    }
    await delay(20);
  }
}

async function checkVersions(spec: DrainSpec): Promise<void> {
  const client = new MongoClient(spec.dbUrl);
  try {
    const count = await client.db().collection('groups').countDocuments({ version: spec.version });
    if (count !== spec.groups)
      throw new Error(
        `${spec.name}: ${count} groups at version ${spec.version}, expected ${spec.groups}`,
      );
  } finally {
    await client.close();
  }
}
