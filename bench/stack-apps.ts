import { startAppProcesses } from '../scripts/stack/app-processes.js';
import { stackLayout } from '../scripts/stack/apps.js';
import { loadStackConfig } from '../scripts/stack/stack-config.js';
import type { Cleanup } from './cleanup.js';
import { step } from './log.js';

/** The apps `npm run stack` runs, as the bench started them. */
export interface StackApps {
  /** Ingest's base URL. */
  url: string;
  ingestPid: number;
  /** The worker processes' pids and `/metrics` URLs. */
  workers: { pid: number; metricsUrl: string }[];
  stop(): Promise<void>;
}

/**
 * Starts the embedded default's apps exactly as `npm run stack` does — the same launcher, layout
 * and defaults (scripts/stack/apps.ts), with no setting of the bench's but the servers, the queue
 * prefix, a free port and the `settings` a phase names — against the bench's Redis and store.
 */
export async function startStackApps(
  cleanup: Cleanup,
  servers: { redisUrl: string; mongoUrl: string; queuePrefix: string },
  /** Settings of the apps' own beyond their defaults (none but where a phase needs one). */
  settings: Record<string, string> = {},
): Promise<StackApps> {
  const env = {
    ...process.env,
    ...settings,
    REDIS_URL: servers.redisUrl,
    MONGO_URL: servers.mongoUrl,
    QUEUE_PREFIX: servers.queuePrefix,
    PORT: '0',
  };
  const layout = stackLayout(env, loadStackConfig(env));
  const tail: string[] = [];
  const apps = await startAppProcesses(layout, {
    say: (message) => step(`  stack: ${message}`),
    complain: (message) => step(`  stack: ${message}`),
    onLine: (label, line) => {
      tail.push(`${label} | ${line}`);
      if (tail.length > 50) tail.shift();
    },
    onGiveUp: (reason) => step(`  stack gave up: ${reason}\n${tail.join('\n')}`),
  });
  const stop = cleanup.add('the stack apps', () => apps.stop());
  const pidOf = (label: string) => {
    const pid = apps.apps.find((a) => a.label === label)?.pid();
    if (pid === undefined) throw new Error(`the stack has no ${label} process`);
    return pid;
  };
  return {
    url: `http://127.0.0.1:${apps.ingestPort}`,
    ingestPid: pidOf('ingest'),
    workers: apps.apps.flatMap((a) => {
      const pid = a.pid();
      return a.kind === 'worker' && pid !== undefined && a.metricsUrl !== undefined
        ? [{ pid, metricsUrl: a.metricsUrl }]
        : [];
    }),
    stop,
  };
}
