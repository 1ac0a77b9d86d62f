import { startBare, startIngestChild } from './apps.js';
import { spreadBodies } from './bodies.js';
import type { Cleanup } from './cleanup.js';
import { alternate, loadGroupIdentify, median } from './http-load.js';
import { step } from './log.js';
import type { BenchPlan } from './options.js';
import { pacedLoad } from './paced-load.js';
import { measurePostHogPhase, type PostHogPhaseFigures } from './posthog-phase.js';
import { peakRssMb } from './proc-memory.js';

export interface IngestFigures {
  /** req/s samples, in run order. */
  bare1: number[];
  ingest1: number[];
  bare100: number[];
  ingest100: number[];
  /** The constant rate of the latency run (half of the median 1-identification max), req/s. */
  halfRate: number;
  p50Ms: number;
  p99Ms: number;
  /** The bare Express baseline under the same constant rate. */
  bareP50Ms: number;
  bareP99Ms: number;
  ingestRssMb: number;
  bareRssMb: number;
  /** PostHog's `/batch/` against `/groupidentify`, 100 identifications a request each. */
  posthog: PostHogPhaseFigures;
}

/**
 * Ingest against the bare Express baseline (docs/performance.md), both as child processes loaded by the same
 * autocannon settings and bodies, alternating. Ingest runs with no worker (its queues only grow,
 * so backpressure is lifted) to measure ingest alone on this machine.
 */
export async function measureIngest(
  cleanup: Cleanup,
  setup: { redisUrl: string; mongoUrl: string; apiKey: string },
  plan: BenchPlan,
): Promise<IngestFigures> {
  step('starting the bare Express baseline and ingest (child processes)');
  const [bare, ingest] = await Promise.all([
    startBare(cleanup),
    startIngestChild(cleanup, { ...setup, queuePrefix: 'load', maxBacklog: 1_000_000_000 }),
  ]);
  const one = spreadBodies(setup.apiKey, 'company', 512, 1, 512);
  const hundred = spreadBodies(setup.apiKey, 'company', 64, 100, 6400);
  const load = (label: string, url: string, bodies: Buffer[], seconds = plan.loadSeconds) => {
    return async () => {
      const r = await loadGroupIdentify(url, bodies, { connections: plan.connections, seconds });
      step(`  ${label}: ${Math.round(r.reqPerSec)} req/s (p99 ${r.p99Ms} ms)`);
      return r.reqPerSec;
    };
  };
  step(`warm-up: ${plan.warmupSeconds} s on each server`);
  await load('bare warm-up', bare.url, one, plan.warmupSeconds)();
  await load('ingest warm-up', ingest.url, one, plan.warmupSeconds)();
  step(`1 identification/request: ${plan.rounds1} × (bare, ingest), ${plan.loadSeconds} s each`);
  const [bare1 = [], ingest1 = []] = await alternate(plan.rounds1, [
    load('bare   1/req', bare.url, one),
    load('ingest 1/req', ingest.url, one),
  ]);
  step(`100 identifications/request: ${plan.rounds100} × (bare, ingest)`);
  const [bare100 = [], ingest100 = []] = await alternate(plan.rounds100, [
    load('bare   100/req', bare.url, hundred),
    load('ingest 100/req', ingest.url, hundred),
  ]);
  const halfRate = Math.max(1, Math.round(median(ingest1) / 2));
  step(`latency at half of ingest's max: ${halfRate} req/s for ${plan.loadSeconds * 2} s each`);
  const atHalf = async (label: string, url: string) => {
    const r = await pacedLoad(url, one, {
      // Open loop: enough connections that a slow answer never holds back the next request.
      connections: plan.connections * 4,
      seconds: plan.loadSeconds * 2,
      perSec: halfRate,
    });
    step(
      `  ${label}: p50 ${r.p50Ms.toFixed(1)} ms, p99 ${r.p99Ms.toFixed(1)} ms at ${Math.round(r.reqPerSec)} req/s`,
    );
    return r;
  };
  const bareLatency = await atHalf('bare  ', bare.url);
  const latency = await atHalf('ingest', ingest.url);
  // Read before the PostHog rounds below, which load ingest again.
  const ingestRssMb = peakRssMb(ingest.pid) ?? NaN;
  const bareRssMb = peakRssMb(bare.pid) ?? NaN;
  await bare.stop();
  const posthog = await measurePostHogPhase(
    { ingestUrl: ingest.url, apiKey: setup.apiKey },
    plan.loadSeconds,
    plan.connections,
    plan.rounds100,
  );
  const figures: IngestFigures = {
    bare1,
    ingest1,
    bare100,
    ingest100,
    halfRate,
    p50Ms: latency.p50Ms,
    p99Ms: latency.p99Ms,
    bareP50Ms: bareLatency.p50Ms,
    bareP99Ms: bareLatency.p99Ms,
    ingestRssMb,
    bareRssMb,
    posthog,
  };
  await ingest.stop();
  return figures;
}
