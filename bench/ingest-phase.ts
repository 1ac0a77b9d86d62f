import { Redis } from 'ioredis';
import { startBare, startIngestChild } from './apps.js';
import { spreadBodies } from './bodies.js';
import type { Cleanup } from './cleanup.js';
import { alternate, loadGroupIdentify, median } from './http-load.js';
import { step } from './log.js';
import type { BenchPlan } from './options.js';
import { pacedLoad, pooledLatency, type PacedResult } from './paced-load.js';
import { measurePostHogPhase, type PostHogPhaseFigures } from './posthog-phase.js';
import { peakRssMb } from './proc-memory.js';

export interface IngestFigures {
  /** req/s samples, in run order. */
  bare1: number[];
  ingest1: number[];
  bare100: number[];
  ingest100: number[];
  /**
   * The constant rate of the latency runs (half of the median 1-identification max), req/s. Each
   * server takes it `rounds100` times, alternating; the quantiles pool the rounds' latencies.
   */
  halfRate: number;
  p50Ms: number;
  p99Ms: number;
  /** The bare Express baseline under the same constant rate. */
  bareP50Ms: number;
  bareP99Ms: number;
  ingestRssMb: number;
  bareRssMb: number;
  /**
   * The same Express route answering only once it has written to Redis, with none of ingest's own
   * code: one `RPUSH` of the body, or one BullMQ job (bench/bare-express.mjs). What the `success`
   * contract costs by itself, measured alongside (1/request samples and the paced latency).
   */
  baselines: Record<'redis' | 'bullmq', QueueBaselineFigures>;
  /** PostHog's `/batch/` against `/groupidentify`, 100 identifications a request each. */
  posthog: PostHogPhaseFigures;
}

export interface QueueBaselineFigures {
  reqPerSec1: number[];
  p50Ms: number;
  p99Ms: number;
  rssMb: number;
}

/**
 * Ingest against the bare Express baseline (docs/performance.md) and the two variants of it that
 * answer once the body is in Redis, all as child processes loaded by the same autocannon settings
 * and bodies, alternating. Ingest runs with no worker (its queues only grow, so backpressure is
 * lifted) to measure ingest alone on this machine.
 */
export async function measureIngest(
  cleanup: Cleanup,
  setup: { redisUrl: string; mongoUrl: string; apiKey: string },
  plan: BenchPlan,
): Promise<IngestFigures> {
  step('starting the bare Express baselines and ingest (child processes)');
  const queueBaseline = (kind: 'redis' | 'bullmq') =>
    startBare(cleanup, [], { kind, redisUrl: setup.redisUrl, queuePrefix: `baseline-${kind}` });
  const [bare, redisRoute, bullmqRoute, ingest] = await Promise.all([
    startBare(cleanup),
    queueBaseline('redis'),
    queueBaseline('bullmq'),
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
  const servers = [
    ['bare          ', bare],
    ['express+redis ', redisRoute],
    ['express+bullmq', bullmqRoute],
    ['ingest        ', ingest],
  ] as const;
  step(`warm-up: ${plan.warmupSeconds} s on each server`);
  for (const [label, server] of servers)
    await load(`${label} warm-up`, server.url, one, plan.warmupSeconds)();
  step(
    `1 identification/request: ${plan.rounds1} × (bare, express+redis, express+bullmq, ingest), ${plan.loadSeconds} s each`,
  );
  const [bare1 = [], redis1 = [], bullmq1 = [], ingest1 = []] = await alternate(
    plan.rounds1,
    servers.map(([label, server]) => load(`${label} 1/req`, server.url, one)),
  );
  step(`100 identifications/request: ${plan.rounds100} × (bare, ingest)`);
  const [bare100 = [], ingest100 = []] = await alternate(plan.rounds100, [
    load('bare   100/req', bare.url, hundred),
    load('ingest 100/req', ingest.url, hundred),
  ]);
  // The closed loops left a million or so jobs in Redis, which no worker drains here; its AOF
  // rewrites (a fork of all of it) would stall whichever server is loaded at that moment. In a
  // deployment the workers keep the queues short: the latency runs start from an empty Redis.
  await emptyRedis(setup.redisUrl, 'before the latency runs');
  const halfRate = Math.max(1, Math.round(median(ingest1) / 2));
  step(
    `latency at half of ingest's max: ${halfRate} req/s, ${plan.rounds100} × ${plan.loadSeconds * 2} s on each server`,
  );
  const paced: PacedResult[][] = servers.map(() => []);
  for (let round = 0; round < plan.rounds100; round++) {
    for (const [i, [label, server]] of servers.entries()) {
      const r = await pacedLoad(server.url, one, {
        // Open loop: enough connections that a slow answer never holds back the next request.
        connections: plan.connections * 4,
        seconds: plan.loadSeconds * 2,
        perSec: halfRate,
      });
      step(
        `  ${label}: p50 ${r.p50Ms.toFixed(1)} ms, p99 ${r.p99Ms.toFixed(1)} ms at ${Math.round(r.reqPerSec)} req/s`,
      );
      paced[i]?.push(r);
    }
  }
  const [bareLatency, redisLatency, bullmqLatency, latency] = paced.map(pooledLatency);
  if (!bareLatency || !redisLatency || !bullmqLatency || !latency) throw new Error('no paced runs');
  // Read before the PostHog rounds below, which load ingest again.
  const ingestRssMb = peakRssMb(ingest.pid) ?? NaN;
  const bareRssMb = peakRssMb(bare.pid) ?? NaN;
  const baselines = {
    redis: { reqPerSec1: redis1, ...redisLatency, rssMb: peakRssMb(redisRoute.pid) ?? NaN },
    bullmq: { reqPerSec1: bullmq1, ...bullmqLatency, rssMb: peakRssMb(bullmqRoute.pid) ?? NaN },
  };
  await Promise.all([redisRoute.stop(), bullmqRoute.stop()]);
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
    baselines,
    posthog,
  };
  await ingest.stop();
  // Ingest's and the baselines' queues (some hundreds of MB): the later phases start from an
  // empty Redis, so its forks for the AOF rewrite do not grow with what this phase left.
  await emptyRedis(setup.redisUrl, "of this phase's queues");
  return figures;
}

async function emptyRedis(url: string, why: string): Promise<void> {
  step(`emptying Redis ${why}`);
  const redis = new Redis(url);
  await redis.flushdb().finally(() => redis.disconnect());
}
