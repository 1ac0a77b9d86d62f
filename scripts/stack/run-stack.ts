// The stack itself, run by scripts/stack.ts in a process group of its own (see there why): Redis
// and a MongoDB wire server (given, reused, or started), the compiled apps (built when a source
// changed), ingest and worker(s) as separate processes as in production, a demo project, and a
// ready-to-paste curl. SIGINT/SIGTERM stop what it started, apps first (ingest, then workers).
// An app that exits on its own is restarted; one that keeps crashing stops the stack (exit 1).
//
// Environment (all optional):
//   REDIS_URL, MONGO_URL   use these servers as they are (never started or stopped here)
//   STACK_REDIS_PORT       local port to reuse or start redis-server on (default 6379)
//   STACK_MONGO_PORT       local port to reuse or start the MongoDB wire server on (default 27017)
//   STACK_DIR              server data and demo-project.json (default <repo>/.stack, gitignored)
//   PORT, HOST             ingest listener (default 8080 on 127.0.0.1)
//   STACK_WORKERS          worker processes (default 1)
//   STACK_WORKER_NICE      added to the workers' CPU niceness, 0-19 (default 0: ingest's)
//   LOG_LEVEL              the apps' log level here (default warn); other app variables
//                          (PARTITIONS, QUEUE_PREFIX, METRICS_PORT, …) pass through to the apps
//   REDIS_CLUSTER_NODES    use this Redis Cluster (host:port,…) instead of any single Redis
import { join } from 'node:path';
import type { ProjectWithKeys } from '@groupidentify/store';
import { startAppProcesses, type RunningApps } from './app-processes.js';
import { sharedSettings, stackLayout } from './apps.js';
import { buildIfStale } from './build-apps.js';
import { banner } from './banner.js';
import { ensureDemoProject } from './demo-project.js';
import { complain, say } from './log.js';
import { ensureMongo, ensureRedis } from './servers.js';
import { watchStopSignals } from './signals.js';
import { loadStackConfig } from './stack-config.js';
import { baseUrl } from './urls.js';

/**
 * Longest a graceful stop may take: docs/operations.md gives each app 30 s, and ingest stops
 * before the workers; then the servers.
 */
const STOP_DEADLINE_MS = 75_000;

interface Started {
  name: string;
  stop(): Promise<void>;
}

/** Stops what was started, newest first (apps before the servers they use). */
async function stopAll(started: Started[]): Promise<boolean> {
  const deadline = setTimeout(() => {
    complain(`stop took over ${STOP_DEADLINE_MS / 1000} s: exiting anyway`);
    process.exit(1);
  }, STOP_DEADLINE_MS);
  deadline.unref();
  let ok = true;
  for (const s of started.reverse()) {
    try {
      await s.stop();
    } catch (error) {
      ok = false;
      complain(
        `stopping ${s.name} failed: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
  clearTimeout(deadline);
  return ok;
}

async function main(): Promise<number> {
  const signal = watchStopSignals();
  const config = loadStackConfig(process.env);
  const layout = stackLayout(process.env, config);
  let gaveUp = false;
  const supervision = {
    say,
    complain,
    onLine: (label: string, line: string, stream: 'stdout' | 'stderr') =>
      (stream === 'stdout' ? process.stdout : process.stderr).write(`${label} | ${line}\n`),
    onGiveUp: () => {
      gaveUp = true;
      signal.stop('SIGTERM');
    },
  };
  const started: Started[] = [];
  let project: ProjectWithKeys | undefined;
  let apps: RunningApps | undefined;
  const steps: (() => Promise<void>)[] = [
    async () => {
      const { server } = await ensureRedis(config);
      if (server) started.push({ name: 'redis-server', stop: stopping('redis', server) });
    },
    async () => {
      const { server } = await ensureMongo(config);
      if (server) started.push({ name: 'mongo', stop: stopping('mongo', server) });
    },
    async () => {
      project = await ensureDemoProject(
        config.mongoUrl,
        join(config.STACK_DIR, 'demo-project.json'),
      );
    },
    () => Promise.resolve(buildIfStale((message) => say(`apps: ${message}`))),
    async () => {
      apps = await startAppProcesses(layout, supervision);
      const running = apps;
      started.push({ name: 'apps', stop: () => running.stop() });
    },
  ];
  try {
    // Between steps, not during: a step that is starting something finishes (or fails) first,
    // so nothing is left half-started.
    for (const step of steps) if (signal.received() === undefined) await step();
  } catch (error) {
    complain(`failed to start: ${error instanceof Error ? error.message : String(error)}`);
    await stopAll(started);
    return 1;
  }
  if (signal.received() === undefined && project !== undefined && apps !== undefined) {
    process.stdout.write(
      banner(
        project,
        baseUrl(config.HOST, apps.ingestPort),
        apps.ingestPort,
        sharedSettings(layout),
        apps.apps,
      ),
    );
    say('ready');
    await signal.wait;
  }
  const ok = (await stopAll(started)) && !gaveUp;
  say(ok ? 'stopped' : 'stopped, with errors');
  return ok ? 0 : 1;
}

function stopping(label: string, server: { stop(): Promise<void> }): () => Promise<void> {
  return async () => {
    say(`${label}: stopping the server the stack started…`);
    await server.stop();
  };
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    complain(error instanceof Error ? error.message : String(error));
    process.exit(1);
  },
);
