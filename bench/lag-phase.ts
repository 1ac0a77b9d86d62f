import { spreadBodies } from './bodies.js';
import { startFeedReader, type NoticeSource } from './feed-reader.js';
import { waitUntilDrained } from './drain.js';
import { step } from './log.js';
import type { BenchPlan } from './options.js';
import { pacedLoad } from './paced-load.js';
import type { PartitionQueues } from './partition-queues.js';
import {
  lagQuantileMs,
  lagShareWithin,
  scrapeWorker,
  type WorkerSnapshot,
} from './worker-scrape.js';

export interface LagFigures {
  /** Identifications/s the worker applied from a steady load's start until its backlog was gone. */
  sustainedPerSec: number;
  /** What was offered to find it. */
  offeredPerSec: number;
  /** The worker kept up with that offer: its maximum is at least `sustainedPerSec`. */
  keptUp: boolean;
  /** The constant rate of the lag run: half of the sustained maximum. */
  rate: number;
  p50Ms: number;
  p99Ms: number;
  within1s: number;
  /** The same at a quarter of the maximum: how the lag falls with the load. */
  quarter: { rate: number; p50Ms: number; p99Ms: number };
  /** A long-polling change feed client during the run at half of the maximum. */
  feed: {
    changes: number;
    appliedToDeliveredP99Ms: number;
    acceptedToDeliveredP99Ms: number;
    /** Per change, from the notice of its commit (see FeedSamples in feed-reader.ts). */
    announcedToDeliveredP50Ms: number;
    announcedToDeliveredP99Ms: number;
  };
}

export interface LagSetup {
  ingestUrl: string;
  queues: PartitionQueues;
  apiKey: string;
  /** For the change feed client (the read API's Basic auth). */
  secretKey: string;
  /** Groups the identifications spread over (mostly updates of existing groups). */
  groups: number;
  /** The one worker process (its /metrics). */
  metricsUrl: string;
  /** Where the worker announces its commits, for the change feed client. */
  notices: NoticeSource;
  /** The project the load and the change feed client use. */
  projectId: string;
}

const PER_REQUEST = 100;

/**
 * Accepted → readable lag at half of the maximum (docs/performance.md), with the drain's request shape (100
 * identifications per request). The maximum is what one worker sustains under a steady load of
 * this shape, not the drain rate: a drain starts with jobs of many identifications, while under a
 * steady load group commit makes jobs of a few per partition, and the worker's cost is largely per
 * job. So: offer the drain rate (raised while the worker keeps up) for a while and count what the
 * worker applies meanwhile; then, the backlog drained, measure the lag at half of that rate.
 */
export async function measureLag(
  setup: LagSetup,
  plan: BenchPlan,
  drainPerSec: number,
): Promise<LagFigures> {
  const bodies = (name: string, perSec: number) =>
    spreadBodies(
      setup.apiKey,
      name,
      // Enough bodies that autocannon never repeats one.
      Math.ceil((perSec / PER_REQUEST) * plan.lagSeconds * 1.5) + plan.connections,
      PER_REQUEST,
      setup.groups,
    );
  // Start at the drain rate; while the worker keeps up with what is offered, its maximum is
  // higher still: offer half as much again (at most three tries; the best rate counts, as an
  // overloaded store does less, not more).
  let offered = drainPerSec / PER_REQUEST; // requests per second
  let best = { sustained: 0, offered, keptUp: false };
  for (let attempt = 1; ; attempt++) {
    step(
      `lag: maximum under steady load: offering ${Math.round(offered * PER_REQUEST)} ids/s for ${plan.lagSeconds} s`,
    );
    const s0 = await scrapeWorker(setup.metricsUrl);
    const t0 = performance.now();
    const accepted =
      (await load(setup, bodies(`lagmax${attempt}`, offered * PER_REQUEST), offered, plan)) *
      PER_REQUEST;
    const loadEnd = performance.now();
    await waitUntilDrained(setup.queues, 'lag (maximum)');
    const s1 = await scrapeWorker(setup.metricsUrl);
    const behindSeconds = (performance.now() - loadEnd) / 1000;
    // What the worker applied per second from the start of the load until nothing was left; it
    // kept up if what was queued when the load stopped took at most a second (or a tenth of the
    // load's duration) to apply.
    const sustained = (s1.applied - s0.applied) / ((performance.now() - t0) / 1000);
    const keptUp = behindSeconds <= Math.max(1, plan.lagSeconds / 10);
    step(
      `  ingest accepted ${Math.round(accepted)} ids/s; the worker applied ${Math.round(sustained)} ids/s ` +
        `until the backlog was gone, ${behindSeconds.toFixed(1)} s after the load: ` +
        `${keptUp ? 'kept up' : 'fell behind'}; ${describeJobs(s0, s1)}`,
    );
    if (sustained > best.sustained) best = { sustained, offered, keptUp };
    if (!keptUp || attempt === 3) break;
    offered *= 1.5;
  }
  const sustained = best.sustained;

  const auth = `Basic ${Buffer.from(`${setup.apiKey}:${setup.secretKey}`).toString('base64')}`;
  const reader = await startFeedReader(setup.ingestUrl, auth, setup.projectId, setup.notices);
  await reader.ready;
  const half = await lagAt(setup, plan, sustained / 2, bodies);
  // Every change applied is delivered by now or within the reader's next answer.
  const feed = await waitForFeed(reader, half.applied);
  const quarter = await lagAt(setup, plan, sustained / 4, bodies);
  return {
    sustainedPerSec: sustained,
    offeredPerSec: best.offered * PER_REQUEST,
    keptUp: best.keptUp,
    rate: half.rate,
    p50Ms: half.p50Ms,
    p99Ms: half.p99Ms,
    within1s: half.within1s,
    quarter: { rate: quarter.rate, p50Ms: quarter.p50Ms, p99Ms: quarter.p99Ms },
    feed,
  };
}

/**
 * Stops the reader once it has had `applied` changes (fewer if some identifications changed
 * nothing: then once none arrived for 3 s), and sums up.
 */
async function waitForFeed(
  reader: Awaited<ReturnType<typeof startFeedReader>>,
  applied: number,
): Promise<LagFigures['feed']> {
  let count = -1;
  let since = Date.now();
  while (reader.samples.appliedToDeliveredMs.length < applied && Date.now() - since < 3_000) {
    if (reader.samples.appliedToDeliveredMs.length !== count) {
      count = reader.samples.appliedToDeliveredMs.length;
      since = Date.now();
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const samples = await reader.stop();
  const feed = {
    changes: samples.appliedToDeliveredMs.length,
    appliedToDeliveredP99Ms: quantile(samples.appliedToDeliveredMs, 0.99),
    acceptedToDeliveredP99Ms: quantile(samples.acceptedToDeliveredMs, 0.99),
    announcedToDeliveredP50Ms: quantile(samples.announcedToDeliveredMs, 0.5),
    announcedToDeliveredP99Ms: quantile(samples.announcedToDeliveredMs, 0.99),
  };
  step(
    `  change feed: ${feed.changes} of ${applied} changes delivered to a long poll; applied → ` +
      `delivered p99 ${feed.appliedToDeliveredP99Ms.toFixed(0)} ms, accepted → delivered p99 ` +
      `${feed.acceptedToDeliveredP99Ms.toFixed(0)} ms; from the notice of its commit: p50 ` +
      `${feed.announcedToDeliveredP50Ms.toFixed(0)} ms, p99 ${feed.announcedToDeliveredP99Ms.toFixed(0)} ms ` +
      `(${samples.announcedToDeliveredMs.length} matched)`,
  );
  return feed;
}

function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

/** The worker's accepted → applied lag under a constant load of `idsPerSec`. */
async function lagAt(
  setup: LagSetup,
  plan: BenchPlan,
  idsPerSec: number,
  bodies: (name: string, perSec: number) => Buffer[],
): Promise<{ rate: number; p50Ms: number; p99Ms: number; within1s: number; applied: number }> {
  step(`lag: ${Math.round(idsPerSec)} ids/s (${PER_REQUEST} per request) for ${plan.lagSeconds} s`);
  const before = await scrapeWorker(setup.metricsUrl);
  await load(
    setup,
    bodies(`lag${Math.round(idsPerSec)}`, idsPerSec),
    idsPerSec / PER_REQUEST,
    plan,
  );
  await waitUntilDrained(setup.queues, 'lag');
  const after = await scrapeWorker(setup.metricsUrl);
  const figures = {
    rate: idsPerSec,
    p50Ms: lagQuantileMs(before, after, 0.5) ?? NaN,
    p99Ms: lagQuantileMs(before, after, 0.99) ?? NaN,
    within1s: lagShareWithin(before, after, 1),
    applied: after.applied - before.applied,
  };
  step(
    `  lag p50 ${figures.p50Ms.toFixed(0)} ms, p99 ${figures.p99Ms.toFixed(0)} ms, ` +
      `${(figures.within1s * 100).toFixed(1)}% ≤ 1 s; ${describeJobs(before, after)}`,
  );
  return figures;
}

/** Constant-rate load; resolves to the requests per second ingest answered. */
async function load(setup: LagSetup, bodies: Buffer[], reqPerSec: number, plan: BenchPlan) {
  const r = await pacedLoad(setup.ingestUrl, bodies, {
    connections: plan.connections,
    seconds: plan.lagSeconds,
    perSec: reqPerSec,
  });
  return r.reqPerSec;
}

function describeJobs(before: WorkerSnapshot, after: WorkerSnapshot): string {
  const jobs = after.batchSizeCount - before.batchSizeCount;
  if (jobs <= 0) return 'no jobs';
  const items = (after.batchSizeSum - before.batchSizeSum) / jobs;
  const ms = ((after.applySecondsSum - before.applySecondsSum) / jobs) * 1000;
  return `${jobs} jobs of ${items.toFixed(1)} identifications, ${ms.toFixed(0)} ms each to apply`;
}
