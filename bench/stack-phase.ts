import { withDatabase } from '@groupidentify/local-services';
import { spreadBodies } from './bodies.js';
import type { Cleanup } from './cleanup.js';
import { waitUntilDrained } from './drain.js';
import { startFeedReader, stopFeedReader, type FeedFigures } from './feed-reader.js';
import { loadGroupIdentify } from './http-load.js';
import { step } from './log.js';
import type { BenchPlan } from './options.js';
import { keptUp, lagAt, type LagRun, type LagTarget } from './paced-lag.js';
import { partitionQueues } from './partition-queues.js';
import { preloadGroups } from './preload.js';
import { peakRssMb } from './proc-memory.js';
import { startStackApps } from './stack-apps.js';
import { scrapeWorker, stepSplit, type StepSplit } from './worker-scrape.js';

/** What one request shape sustains on the embedded default, and its lag. */
export interface ShapeCapacity {
  perRequest: number;
  /** The most the worker applied per second under a paced load of this shape (best probe). */
  maxPerSec: number;
  /** The probe that found it kept up: the worker may sustain more (max is then a floor). */
  maxKeptUp: boolean;
  /** At half of max. */
  half: LagRun;
  /** The highest fraction of max tried whose p99 was ≤ 1 s (0: none). */
  capacityFraction: number;
  /** Every run at a fraction of max, the half one included. */
  probes: LagRun[];
}

export interface StackFigures {
  groups: number;
  /** Closed-loop load at 10/request: what one ingest accepts, what the stack applies. */
  steady: { acceptedPerSec: number; appliedPerSec: number; batchMean: number; split: StepSplit };
  /** 10 and 100 identifications per request. */
  shapes: ShapeCapacity[];
  /** A long-polling change feed reader during the 100/request run at half of max. */
  feed: FeedFigures;
  ingestRssMb: number;
  workerRssMb: number;
}

const TYPE = 'stack';
const PREFIX = 'stack';
const ONE_SECOND_MS = 1000;
/**
 * Keep-alive connections of the paced runs: enough that the offered rate holds when answers
 * slow down (ingest's backpressure holds them up to 1 s when the worker lags), as it would from
 * many independent clients.
 */
const PACED_CONNECTIONS = 512;

/**
 * The embedded default as a user runs it: the apps `npm run stack` starts, through its launcher,
 * over `plan.stackGroups` stored groups. First a closed-loop load of 10 identifications/request
 * (apply vs what one ingest accepts); then, for 10 and 100 per request, the most the stack
 * applies under a paced load of that shape, the lag at half of it, and the highest fraction of
 * it whose accepted → readable p99 stays within 1 s.
 */
export async function measureStack(
  cleanup: Cleanup,
  setup: { redisUrl: string; serverUrl: string },
  plan: BenchPlan,
): Promise<StackFigures> {
  const mongoUrl = withDatabase(setup.serverUrl, 'stack_default');
  const groups = plan.stackGroups;
  step(`embedded default: preloading ${groups.toLocaleString('en-US')} groups`);
  const keys = await preloadGroups(mongoUrl, TYPE, groups, () => ({ plan: 'free', n: 0 }));
  step('embedded default: starting the apps as npm run stack does');
  const stack = await startStackApps(cleanup, {
    redisUrl: setup.redisUrl,
    mongoUrl,
    queuePrefix: PREFIX,
  });
  const queues = partitionQueues(setup.redisUrl, PREFIX);
  cleanup.add('stack partition queues', () => queues.close());
  const worker = stack.workers[0];
  if (worker === undefined) throw new Error('the stack started no worker with metrics');
  try {
    const steady = await closedLoop(stack.url, keys.apiKey, worker.metricsUrl, queues, plan);
    const target: LagTarget = {
      ingestUrl: stack.url,
      apiKey: keys.apiKey,
      groupType: TYPE,
      groups,
      queues,
      metricsUrl: worker.metricsUrl,
      connections: PACED_CONNECTIONS,
    };
    const auth = `Basic ${Buffer.from(`${keys.apiKey}:${keys.secretKey}`).toString('base64')}`;
    let feed: FeedFigures | undefined;
    const shapes: ShapeCapacity[] = [];
    for (const perRequest of [10, 100]) {
      shapes.push(
        await shapeCapacity(target, perRequest, steady.appliedPerSec, plan, async (half) => {
          if (perRequest !== 100) return half();
          const reader = await startFeedReader(stack.url, auth, keys.projectId, {
            redisUrl: setup.redisUrl,
            queuePrefix: PREFIX,
          });
          await reader.ready;
          const run = await half();
          feed = await stopFeedReader(reader, run.applied);
          return run;
        }),
      );
    }
    if (feed === undefined) throw new Error('internal: no change feed figures');
    return {
      groups,
      steady,
      shapes,
      feed,
      ingestRssMb: peakRssMb(stack.ingestPid) ?? 0,
      workerRssMb: Math.max(...stack.workers.map((w) => peakRssMb(w.pid) ?? 0)),
    };
  } finally {
    await stack.stop();
  }
}

async function closedLoop(
  url: string,
  apiKey: string,
  metricsUrl: string,
  queues: Parameters<typeof waitUntilDrained>[0],
  plan: BenchPlan,
): Promise<StackFigures['steady']> {
  const perRequest = 10;
  step(
    `embedded default: ${perRequest} ids/request over ${plan.stackGroups.toLocaleString('en-US')} ` +
      `groups, closed loop, ${plan.connections} connections, ${plan.steadySeconds} s`,
  );
  // Far more bodies than a run sends, taken in turn by all connections: the groups come in the
  // same even spread as under the paced runs, not in step across connections.
  const bodies = spreadBodies(apiKey, TYPE, 4000, perRequest, plan.stackGroups, 1e9);
  const before = await scrapeWorker(metricsUrl);
  const started = performance.now();
  const load = await loadGroupIdentify(url, bodies, {
    connections: plan.connections,
    seconds: plan.steadySeconds,
  });
  await waitUntilDrained(queues, 'embedded default, closed loop');
  const seconds = (performance.now() - started) / 1000;
  const after = await scrapeWorker(metricsUrl);
  const applied = after.applied - before.applied;
  const batches = after.batchSizeCount - before.batchSizeCount;
  const steady = {
    acceptedPerSec: load.reqPerSec * perRequest,
    appliedPerSec: applied / seconds,
    batchMean: batches > 0 ? applied / batches : 0,
    split: stepSplit(before, after),
  };
  step(
    `  ingest accepted ${Math.round(steady.acceptedPerSec)} ids/s; the stack applied ` +
      `${Math.round(steady.appliedPerSec)} ids/s until none was left (${steady.batchMean.toFixed(0)} per batch)`,
  );
  return steady;
}

/**
 * The maximum under a paced load of one shape: offered at `startPerSec`, raised by half while the
 * worker keeps up (three probes at most); what it applied from a probe's start until its backlog
 * was gone counts, the best probe's. Then the lag at half of that (through `atHalf`, which may
 * watch it), and at fractions of it (`plan.capacityFractions`): the first (0.7), then up (0.85,
 * 1.0) while p99 ≤ 1 s, or, if the first missed but half did not, down (0.6) until one is met.
 */
async function shapeCapacity(
  target: LagTarget,
  perRequest: number,
  startPerSec: number,
  plan: BenchPlan,
  atHalf: (run: () => Promise<LagRun>) => Promise<LagRun>,
): Promise<ShapeCapacity> {
  step(`embedded default, ${perRequest} ids/request: the most it applies under a paced load`);
  const best = await maxUnderPacedLoad(target, perRequest, startPerSec, plan);
  const max = best.appliedPerSec;
  step(`embedded default, ${perRequest} ids/request: lag at fractions of ${Math.round(max)}/s`);
  const at = (fraction: number) => lagAt(target, perRequest, max * fraction, plan.lagSeconds);
  const half = await atHalf(() => at(0.5));
  const probes: LagRun[] = [half];
  const met = (run: LagRun) => run.p99Ms <= ONE_SECOND_MS;
  let capacityFraction = met(half) ? 0.5 : 0;
  const { first, up, down } = plan.capacityFractions;
  const firstRun = await at(first);
  probes.push(firstRun);
  if (met(firstRun)) {
    capacityFraction = first;
    for (const fraction of up) {
      const run = await at(fraction);
      probes.push(run);
      if (!met(run)) break;
      capacityFraction = fraction;
    }
  } else if (capacityFraction > 0) {
    // Between half (met) and the first (missed): the highest that is met, from the top.
    for (const fraction of down) {
      const run = await at(fraction);
      probes.push(run);
      if (met(run)) {
        capacityFraction = fraction;
        break;
      }
    }
  }
  return {
    perRequest,
    maxPerSec: max,
    maxKeptUp: keptUp(best, plan.lagSeconds),
    half,
    capacityFraction,
    probes,
  };
}

/**
 * The most the stack applies under a paced load of `perRequest` per request: offered at
 * `startPerSec`, raised by half while the worker keeps up (three probes at most); the best
 * probe, whose rate counts from its start until its backlog was gone.
 */
export async function maxUnderPacedLoad(
  target: LagTarget,
  perRequest: number,
  startPerSec: number,
  plan: BenchPlan,
): Promise<LagRun> {
  let offered = startPerSec;
  let best: LagRun | undefined;
  for (let probe = 1; probe <= 3; probe++) {
    const run = await lagAt(target, perRequest, offered, plan.lagSeconds);
    if (best === undefined || run.appliedPerSec > best.appliedPerSec) best = run;
    if (!keptUp(run, plan.lagSeconds)) break;
    offered *= 1.5;
  }
  if (best === undefined) throw new Error('internal: no probe');
  return best;
}
