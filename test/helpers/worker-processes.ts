import { Redis } from 'ioredis';
import { openPartitionQueue } from '@groupidentify/queue-contract';
import { spawnApp, type AppProcess } from './app-process.js';
import type { TestIngest } from './ingest.js';
import { pollUntil } from './services.js';

/** A worker child process, as `npm run start:worker` runs it. */
export interface WorkerProcess extends AppProcess {
  /** Resolves once the worker has started its consumers (it logs `worker started`). */
  ready(timeoutMs?: number): Promise<void>;
}

/**
 * Starts `apps/worker` as a child process on the same Redis, database, queue prefix and partitions
 * as `ingest`. Logs at `info` so that {@link WorkerProcess.ready} can see the start line.
 */
export function spawnWorker(ingest: TestIngest, env: Record<string, string> = {}): WorkerProcess {
  const child = spawnApp('worker', {
    REDIS_URL: ingest.config.REDIS_URL,
    MONGO_URL: ingest.config.MONGO_URL,
    QUEUE_PREFIX: ingest.config.QUEUE_PREFIX,
    PARTITIONS: String(ingest.config.PARTITIONS),
    METRICS_PORT: '0',
    LOG_LEVEL: 'info',
    ...env,
  });
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  void child.exited.then((e) => (exit = e));
  return {
    ...child,
    ready: async (timeoutMs = 30_000) => {
      await pollUntil(() => child.output().includes('"worker started"'), {
        timeoutMs,
        description: `worker ${child.pid} to start`,
        abortIf: () =>
          exit === undefined
            ? undefined
            : new Error(`worker ${child.pid} exited (${JSON.stringify(exit)}):\n${child.output()}`),
      });
    },
  };
}

/** SIGKILLs (or signals) a worker child and waits until it is gone. */
export async function stopWorker(
  worker: AppProcess,
  signal: NodeJS.Signals = 'SIGKILL',
): Promise<void> {
  worker.kill(signal);
  await worker.exited;
}

/** Worker processes of a crash test: any one of them can be SIGKILLed and replaced. */
export interface CrashingWorkers {
  /**
   * Picks one at random, waits until it consumes, runs `beforeKill` (the random instant of the
   * crash), SIGKILLs it and starts another in its place with the same settings.
   */
  killOne(beforeKill?: () => Promise<unknown>): Promise<void>;
  /** Stops those running (SIGKILL). */
  stop(): Promise<void>;
}

/** Starts `count` workers for `ingest` with `env` and waits until all consume. */
export async function startCrashingWorkers(
  ingest: TestIngest,
  env: Record<string, string>,
  count = 2,
): Promise<CrashingWorkers> {
  const workers = Array.from({ length: count }, () => spawnWorker(ingest, env));
  await Promise.all(workers.map((w) => w.ready()));
  return {
    async killOne(beforeKill) {
      const slot = Math.floor(Math.random() * workers.length);
      const victim = workers[slot] as WorkerProcess;
      await victim.ready(); // a kill while it consumes, not while it is still booting
      await beforeKill?.();
      await stopWorker(victim, 'SIGKILL');
      workers[slot] = spawnWorker(ingest, env);
    },
    async stop() {
      await Promise.all(workers.map((w) => stopWorker(w)));
    },
  };
}

export interface QueueCounts {
  /** Jobs still to be processed (waiting, active, delayed, prioritized). */
  pending: number;
  active: number;
  failed: number;
}

/** Job counts over all partition queues of `ingest`. */
export interface PartitionQueues {
  counts(): Promise<QueueCounts>;
  /** Jobs in hand over all partitions: one quick query per partition, all at once. */
  active(): Promise<number>;
  close(): Promise<void>;
}

export function partitionQueues(ingest: TestIngest): PartitionQueues {
  const connection = new Redis(ingest.config.REDIS_URL, { maxRetriesPerRequest: null });
  const queues = Array.from({ length: ingest.config.PARTITIONS }, (_, p) =>
    openPartitionQueue(connection, ingest.config.QUEUE_PREFIX, p),
  );
  return {
    async counts() {
      const all = await Promise.all(
        queues.map((q) => q.getJobCounts('wait', 'active', 'delayed', 'prioritized', 'failed')),
      );
      const sum = (key: string) => all.reduce((n, c) => n + (c[key] ?? 0), 0);
      return {
        pending: sum('wait') + sum('active') + sum('delayed') + sum('prioritized'),
        active: sum('active'),
        failed: sum('failed'),
      };
    },
    async active() {
      const counts = await Promise.all(queues.map((q) => q.getActiveCount()));
      return counts.reduce((a, b) => a + b, 0);
    },
    async close() {
      await Promise.all(queues.map((q) => q.close()));
      connection.disconnect();
    },
  };
}
