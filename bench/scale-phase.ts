import { withDatabase } from '@groupidentify/local-services';
import { startIngestChild, startWorkerChild } from './apps.js';
import { spreadBodies } from './bodies.js';
import type { Cleanup } from './cleanup.js';
import { waitUntilDrained } from './drain.js';
import { loadGroupIdentify } from './http-load.js';
import { step } from './log.js';
import type { BenchPlan } from './options.js';
import { partitionQueues } from './partition-queues.js';
import { preloadGroups } from './preload.js';
import { peakRssMb } from './proc-memory.js';
import { scrapeWorker, stepSplit, type StepSplit } from './worker-scrape.js';

/** One steady load on ingest and one worker, over a collection of `stored` groups. */
export interface SteadyApply {
  stored: number;
  /** Groups the load went to (the first `loadGroups` of the stored ones). */
  loadGroups: number;
  /** Identifications/s ingest accepted while the load ran. */
  acceptedPerSec: number;
  /** Identifications/s the worker applied, from the load's start until nothing was left. */
  appliedPerSec: number;
  /** Mean identifications per batch the worker applied. */
  batchMean: number;
  /** Where the worker's time went, per batch. */
  split: StepSplit;
  /** The worker's peak RSS, MB. */
  workerRssMb: number;
}

export interface ScaleFigures {
  small: SteadyApply;
  large: SteadyApply;
}

const PER_REQUEST = 10;
const TYPE = 'scale';

/**
 * Apply at scale: the same closed-loop load — 10 identifications per request from
 * `plan.connections` connections for `plan.steadySeconds` — over collections of
 * `plan.scaleStored` groups, a small and a large one (the cost per identification must not grow
 * with the data). Each run gets a fresh database, preloaded directly.
 */
export async function measureScale(
  cleanup: Cleanup,
  setup: { redisUrl: string; serverUrl: string },
  plan: BenchPlan,
): Promise<ScaleFigures> {
  const [smallStored, largeStored] = plan.scaleStored;
  const run = (stored: number, loadGroups: number, name: string) =>
    steadyApply(cleanup, { ...setup, name }, stored, loadGroups, plan);
  const small = await run(smallStored, plan.scaleLoadGroups, 'scale_small');
  const large = await run(largeStored, plan.scaleLoadGroups, 'scale_large');
  return { small, large };
}

async function steadyApply(
  cleanup: Cleanup,
  setup: { redisUrl: string; serverUrl: string; name: string },
  stored: number,
  loadGroups: number,
  plan: BenchPlan,
): Promise<SteadyApply> {
  const mongoUrl = withDatabase(setup.serverUrl, setup.name);
  const label = `steady apply, ${stored.toLocaleString('en-US')} groups stored`;
  step(`${label}: preloading the groups`);
  const { apiKey } = await preloadGroups(mongoUrl, TYPE, stored, () => ({ plan: 'free', n: 0 }));
  const apps = { redisUrl: setup.redisUrl, mongoUrl, queuePrefix: setup.name };
  const ingest = await startIngestChild(cleanup, apps);
  const worker = await startWorkerChild(cleanup, apps, `worker ${setup.name}`);
  const queues = partitionQueues(setup.redisUrl, setup.name);
  try {
    const bodies = spreadBodies(apiKey, TYPE, 2000, PER_REQUEST, loadGroups);
    step(
      `${label}: ${PER_REQUEST} ids/request over ${loadGroups.toLocaleString('en-US')} of them, ` +
        `${plan.connections} connections, ${plan.steadySeconds} s`,
    );
    const before = await scrapeWorker(worker.metricsUrl);
    const started = performance.now();
    const load = await loadGroupIdentify(ingest.url, bodies, {
      connections: plan.connections,
      seconds: plan.steadySeconds,
    });
    await waitUntilDrained(queues, label);
    const seconds = (performance.now() - started) / 1000;
    const after = await scrapeWorker(worker.metricsUrl);
    const applied = after.applied - before.applied;
    const batches = after.batchSizeCount - before.batchSizeCount;
    const result: SteadyApply = {
      stored,
      loadGroups,
      acceptedPerSec: load.reqPerSec * PER_REQUEST,
      appliedPerSec: applied / seconds,
      batchMean: batches > 0 ? applied / batches : 0,
      split: stepSplit(before, after),
      workerRssMb: peakRssMb(worker.pid) ?? 0,
    };
    step(
      `  ingest accepted ${Math.round(result.acceptedPerSec)} ids/s; the worker applied ` +
        `${Math.round(result.appliedPerSec)} ids/s until none was left ` +
        `(${result.batchMean.toFixed(0)} per batch)`,
    );
    return result;
  } finally {
    await queues.close();
    await worker.stop();
    await ingest.stop();
  }
}
