import { pino } from 'pino';
import {
  loadConfig as loadIngestConfig,
  startIngest,
  type IngestConfig,
} from '@groupidentify/ingest';
import {
  loadConfig as loadWorkerConfig,
  startWorker,
  type WorkerConfig,
} from '@groupidentify/worker';
import { freePort, pollUntil } from '@groupidentify/local-services';
import { say } from './log.js';
import type { StackConfig } from './stack-config.js';

export interface AppConfigs {
  ingest: IngestConfig;
  worker: WorkerConfig;
}

/**
 * The apps' own configs, from the environment with the stack's choices on top: the servers it
 * found, its PORT/HOST/LOG_LEVEL defaults, and a free port for the worker's metrics unless
 * METRICS_PORT is given (so `npm run start:worker`, on 9464, can run beside the stack; 0 would
 * turn the worker's metrics off).
 * Loaded before anything starts, so a bad variable stops the stack before it starts servers.
 */
export async function loadAppConfigs(
  env: NodeJS.ProcessEnv,
  config: StackConfig,
): Promise<AppConfigs> {
  const common = {
    ...env,
    REDIS_URL: config.redisUrl,
    MONGO_URL: config.mongoUrl,
    LOG_LEVEL: config.LOG_LEVEL,
  };
  return {
    ingest: loadIngestConfig({ ...common, PORT: String(config.PORT), HOST: config.HOST }),
    worker: loadWorkerConfig({
      ...common,
      METRICS_PORT: env['METRICS_PORT'] || String(await freePort()),
    }),
  };
}

export interface RunningApps {
  ingestPort: number;
  /** Ingest first (stop accepting, flush what it accepted), then the worker. */
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 30_000;

/**
 * Runs ingest and one worker in this process: one process to start, watch and stop with one
 * Ctrl-C, one TypeScript load instead of three, and a stop order the stack controls. Their
 * index.ts exports exist for exactly this (and for tests).
 */
export async function startApps(configs: AppConfigs): Promise<RunningApps> {
  say(
    `worker: starting (partitions ${configs.worker.WORKER_PARTITIONS} of ${configs.worker.PARTITIONS})…`,
  );
  const worker = await startWorker(
    configs.worker,
    pino({ level: configs.worker.LOG_LEVEL, base: { app: 'worker' } }),
  );
  say(`worker: running, metrics on port ${worker.metricsPort ?? 'off'}`);
  say(`ingest: starting on ${configs.ingest.HOST}:${configs.ingest.PORT}…`);
  let ingest;
  try {
    ingest = await startIngest(
      configs.ingest,
      pino({ level: configs.ingest.LOG_LEVEL, base: { app: 'ingest' } }),
    );
  } catch (error) {
    await worker.close();
    throw error;
  }
  const running: RunningApps = {
    ingestPort: ingest.port,
    async stop() {
      say('ingest: stopping (finishing in-flight requests)…');
      await ingest.close();
      say('worker: stopping (finishing or releasing its current jobs)…');
      await worker.close();
    },
  };
  try {
    await waitUntilReady(ingest.port);
  } catch (error) {
    await running.stop();
    throw error;
  }
  say(`ingest: ready on port ${ingest.port} (GET /readyz answered 200)`);
  return running;
}

async function waitUntilReady(port: number): Promise<void> {
  await pollUntil(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200, {
    timeoutMs: READY_TIMEOUT_MS,
    intervalMs: 100,
    description: `GET /readyz on port ${port} to answer 200`,
  });
}
