import { spreadBodies } from './bodies.js';
import { waitUntilDrained } from './drain.js';
import { step } from './log.js';
import { pacedLoad } from './paced-load.js';
import type { PartitionQueues } from './partition-queues.js';
import {
  lagQuantileMs,
  lagShareWithin,
  scrapeWorker,
  stepSplit,
  type StepSplit,
  type WorkerSnapshot,
} from './worker-scrape.js';

/** Where a paced run sends and what it reads. */
export interface LagTarget {
  ingestUrl: string;
  apiKey: string;
  /** Group type and count the identifications spread over (group `g<i mod groups>`). */
  groupType: string;
  groups: number;
  queues: PartitionQueues;
  /** The worker's `/metrics`. */
  metricsUrl: string;
  connections: number;
}

/** One run at a constant rate: the worker's accepted → applied lag, and how it kept up. */
export interface LagRun {
  perRequest: number;
  /** Offered identifications/s. */
  rate: number;
  p50Ms: number;
  p99Ms: number;
  /** Share of identifications applied within 1 s of being accepted. */
  within1s: number;
  /** Identifications/s applied from the load's start until nothing was left. */
  appliedPerSec: number;
  /** Seconds the backlog took to drain after the load stopped. */
  behindSeconds: number;
  applied: number;
  batchMean: number;
  split: StepSplit;
}

/** Items sent by earlier runs: each run goes on from there, with values of its own. */
let sent = 0;

/**
 * Offers `rate` identifications/s, `perRequest` per request, for `seconds` with the paced
 * open-loop generator, waits until the partitions are drained, and reads the worker's lag
 * histogram (ingest's receipt → the group written, so readable) between before and after.
 */
export async function lagAt(
  target: LagTarget,
  perRequest: number,
  rate: number,
  seconds: number,
): Promise<LagRun> {
  const requests = Math.ceil((rate / perRequest) * seconds) + target.connections;
  const bodies = spreadBodies(
    target.apiKey,
    target.groupType,
    requests,
    perRequest,
    target.groups,
    sent,
  );
  sent += requests * perRequest;
  const before = await scrapeWorker(target.metricsUrl);
  const started = performance.now();
  await pacedLoad(target.ingestUrl, bodies, {
    connections: target.connections,
    seconds,
    perSec: rate / perRequest,
  });
  const loadEnded = performance.now();
  await waitUntilDrained(target.queues, `${perRequest}/request at ${Math.round(rate)}/s`);
  const after = await scrapeWorker(target.metricsUrl);
  const ended = performance.now();
  const applied = after.applied - before.applied;
  const batches = after.batchSizeCount - before.batchSizeCount;
  const run: LagRun = {
    perRequest,
    rate,
    p50Ms: lagQuantileMs(before, after, 0.5) ?? NaN,
    p99Ms: lagQuantileMs(before, after, 0.99) ?? NaN,
    within1s: lagShareWithin(before, after, 1),
    appliedPerSec: applied / ((ended - started) / 1000),
    behindSeconds: (ended - loadEnded) / 1000,
    applied,
    batchMean: batches > 0 ? applied / batches : 0,
    split: stepSplit(before, after),
  };
  step(
    `  ${perRequest}/request at ${Math.round(rate)}/s: lag p50 ${run.p50Ms.toFixed(0)} ms, ` +
      `p99 ${run.p99Ms.toFixed(0)} ms (${(run.within1s * 100).toFixed(1)}% ≤ 1 s); applied ` +
      `${Math.round(run.appliedPerSec)}/s, drained ${run.behindSeconds.toFixed(1)} s after the ` +
      `load; ${describeBatches(before, after)}`,
  );
  return run;
}

/** Whether a run kept up: what was queued when the load stopped took at most a second (or a tenth of the load) to apply. */
export function keptUp(run: LagRun, seconds: number): boolean {
  return run.behindSeconds <= Math.max(1, seconds / 10);
}

function describeBatches(before: WorkerSnapshot, after: WorkerSnapshot): string {
  const jobs = after.batchSizeCount - before.batchSizeCount;
  if (jobs <= 0) return 'no batches';
  const items = (after.batchSizeSum - before.batchSizeSum) / jobs;
  const ms = ((after.applySecondsSum - before.applySecondsSum) / jobs) * 1000;
  return `${jobs} batches of ${items.toFixed(1)}, ${ms.toFixed(0)} ms each`;
}
