import { z } from 'zod';
import { queueSettings } from '@groupidentify/queue-contract';
import {
  heapSettings,
  intSetting as int,
  parseSettings,
  serviceSettings,
} from '@groupidentify/service-runtime';

/** `all`, or a list of partitions and ranges such as `0-3,8`. */
const partitionList = z
  .string()
  .regex(/^(all|\d+(-\d+)?(,\d+(-\d+)?)*)$/, 'must be "all" or a list like 0-3,8')
  .default('all');

const schema = z.object({
  ...queueSettings,
  ...serviceSettings,
  ...heapSettings(100),
  /** Which partitions this process consumes. */
  WORKER_PARTITIONS: partitionList,
  /** Port of `/metrics` and `/healthz`; 0 turns it off. */
  METRICS_PORT: int(0, 9464),
  /** A job whose lock is not renewed for this long is handed to another worker. */
  LOCK_DURATION_MS: int(1000, 30_000),
  /** Longest wait between retries of a store error (retries are in order, never dropped). */
  RETRY_MAX_DELAY_MS: int(10, 5000),
  /**
   * Most identifications a partition applies in one batch: the job it holds and the jobs waiting
   * behind it (fewer store round trips under load; more memory per batch).
   */
  APPLY_BATCH_MAX_ITEMS: int(1, 1000),
  /** History is kept this many days; 0 keeps it forever (docs/api.md `as_of` needs it). */
  HISTORY_RETENTION_DAYS: int(0, 0),
});

/** The worker's configuration (docs/operations.md). */
export type WorkerConfig = z.infer<typeof schema>;

/** Every environment variable the worker reads (docs/operations.md#configuration lists each). */
export const workerSettingNames: readonly string[] = Object.keys(schema.shape);

/** Reads and validates the environment; throws one readable message listing every problem. */
export function loadConfig(env: NodeJS.ProcessEnv): WorkerConfig {
  return parseSettings(schema, env);
}

/** The partitions listed by `WORKER_PARTITIONS`, within `0..partitions-1`. */
export function selectedPartitions(list: string, partitions: number): number[] {
  if (list === 'all') return Array.from({ length: partitions }, (_, p) => p);
  const selected = new Set<number>();
  for (const part of list.split(',')) {
    const [from, to = from] = part.split('-').map(Number) as [number, number?];
    for (let p = from; p <= to; p++) {
      if (p >= partitions)
        throw new Error(
          `WORKER_PARTITIONS: partition ${p} does not exist (PARTITIONS=${partitions})`,
        );
      selected.add(p);
    }
  }
  return [...selected].sort((a, b) => a - b);
}
