import { freePort } from '@groupidentify/local-services';
import { APP_COMMAND, type AppKind } from '../scripts/stack/app-process.js';
import { spawnChild, type Child } from './child-process.js';
import type { Cleanup } from './cleanup.js';

/**
 * Must match between ingest and workers (docs/guarantees.md). The apps' default (16); BENCH_PARTITIONS
 * overrides it for experiments.
 */
export const PARTITIONS = Number(process.env.BENCH_PARTITIONS ?? 16);

export interface HttpChild extends Child {
  url: string;
}

export interface WorkerChild extends Child {
  metricsUrl: string;
}

/** Ingest: its public URL, and its `/metrics` on the metrics port (not the public one). */
export interface IngestChild extends HttpChild {
  metricsUrl: string;
}

const PORT_LINE = /"port":(\d+)/;

/**
 * What the bare Express route does before it answers `success` (bench/bare-express.mjs): nothing,
 * or one Redis write, or one BullMQ job in partition queues under `queuePrefix`.
 */
export type BareBaseline =
  { kind: 'http' } | { kind: 'redis' | 'bullmq'; redisUrl: string; queuePrefix: string };

/** The bare Express baseline (bench/bare-express.mjs) on a free loopback port. */
export async function startBare(
  cleanup: Cleanup,
  nodeArgs: readonly string[] = [],
  baseline: BareBaseline = { kind: 'http' },
): Promise<HttpChild> {
  const env =
    baseline.kind === 'http'
      ? { BASELINE: 'http' }
      : {
          BASELINE: baseline.kind,
          REDIS_URL: baseline.redisUrl,
          QUEUE_PREFIX: baseline.queuePrefix,
          PARTITIONS: String(PARTITIONS),
        };
  const name = baseline.kind === 'http' ? 'bare express' : `express + ${baseline.kind}`;
  const child = spawnChild(cleanup, name, 'bench/bare-express.mjs', env, nodeArgs);
  const [, port] = await child.waitFor(PORT_LINE);
  return { ...child, url: `http://127.0.0.1:${port ?? ''}` };
}

export interface IngestSetup {
  redisUrl: string;
  /** Holds the projects collection. */
  mongoUrl: string;
  queuePrefix: string;
  /** Waiting jobs per partition before 429 (load phases run with no worker). */
  maxBacklog?: number;
}

/** An app's node flags (before `extra`, e.g. a profiler's) and its entry point, as it runs. */
function command(kind: AppKind, extra: readonly string[]): { entry: string; nodeArgs: string[] } {
  const flags = [...APP_COMMAND[kind]];
  const entry = flags.pop() ?? '';
  return { entry, nodeArgs: [...flags, ...extra] };
}

/** Compiled ingest as a child process on a free loopback port, with its node flags. */
export async function startIngestChild(
  cleanup: Cleanup,
  setup: IngestSetup,
  nodeArgs: readonly string[] = [],
): Promise<IngestChild> {
  const metricsPort = await freePort();
  const app = command('ingest', nodeArgs);
  const child = spawnChild(
    cleanup,
    `ingest ${setup.queuePrefix}`,
    app.entry,
    {
      REDIS_URL: setup.redisUrl,
      MONGO_URL: setup.mongoUrl,
      QUEUE_PREFIX: setup.queuePrefix,
      PARTITIONS: String(PARTITIONS),
      PORT: '0',
      HOST: '127.0.0.1',
      METRICS_PORT: String(metricsPort),
      MAX_BACKLOG: String(setup.maxBacklog ?? 10_000),
      // These phases measure ingest alone, or a worker draining a backlog they build on purpose:
      // no backpressure. The embedded default (bench/stack-phase.ts) runs with the apps' own.
      BACKPRESSURE_LAG_MS: '0',
      // One project sends everything here, far above the default 20,000 a second: the bucket is
      // still taken from on every request (its cost is measured), but never empties.
      RATE_LIMIT_PER_S: '1000000000',
      LOG_LEVEL: 'info',
    },
    app.nodeArgs,
  );
  const [, port] = await child.waitFor(/"port":(\d+)[^\n]*"msg":"ingest listening"/);
  if (port === undefined) throw new Error(`ingest printed no port:\n${child.output()}`);
  return {
    ...child,
    url: `http://127.0.0.1:${port}`,
    metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
  };
}

/** The compiled worker as a child process writing to `mongoUrl`'s database. */
export async function startWorkerChild(
  cleanup: Cleanup,
  setup: { redisUrl: string; mongoUrl: string; queuePrefix: string },
  name: string,
  nodeArgs: readonly string[] = [],
): Promise<WorkerChild> {
  const metricsPort = await freePort();
  const app = command('worker', nodeArgs);
  const child = spawnChild(
    cleanup,
    name,
    app.entry,
    {
      REDIS_URL: setup.redisUrl,
      MONGO_URL: setup.mongoUrl,
      QUEUE_PREFIX: setup.queuePrefix,
      PARTITIONS: String(PARTITIONS),
      METRICS_PORT: String(metricsPort),
      LOG_LEVEL: 'info',
    },
    app.nodeArgs,
  );
  await child.waitFor(/"worker started"/);
  return { ...child, metricsUrl: `http://127.0.0.1:${metricsPort}/metrics` };
}
