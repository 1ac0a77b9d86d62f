import { loadConfig as loadIngestConfig } from '@groupidentify/ingest';
import { loadConfig as loadWorkerConfig, type WorkerConfig } from '@groupidentify/worker';
import type { AppLayout } from './app-processes.js';
import type { StackConfig } from './stack-config.js';

/**
 * What the stack runs: ingest and STACK_WORKERS worker processes with the environment, the
 * servers the stack found, and its own defaults on top (listening on HOST:PORT, LOG_LEVEL,
 * metrics on free ports unless METRICS_PORT is given — then the workers' from it up, ingest's
 * after them — so `npm run start:worker` on 9464 or ingest on 9465 can run beside the stack). Both apps' settings are checked here first, so a bad variable stops the
 * stack before it starts anything. The benchmark's "embedded default" runs this same layout.
 */
export function stackLayout(env: NodeJS.ProcessEnv, config: StackConfig): AppLayout {
  const common = {
    ...env,
    REDIS_URL: config.redisUrl,
    MONGO_URL: config.mongoUrl,
    LOG_LEVEL: config.LOG_LEVEL,
  };
  loadIngestConfig({ ...common, PORT: String(config.PORT), HOST: config.HOST });
  loadWorkerConfig(common);
  const metricsPort = env['METRICS_PORT'];
  return {
    env: common,
    host: config.HOST,
    port: config.PORT,
    workers: config.STACK_WORKERS,
    workerNice: config.STACK_WORKER_NICE,
    metricsPort: metricsPort === undefined || metricsPort === '' ? undefined : Number(metricsPort),
  };
}

/** The queue settings every process of the stack shares (for the banner's `export` line). */
export function sharedSettings(layout: AppLayout): WorkerConfig {
  return loadWorkerConfig(layout.env);
}
