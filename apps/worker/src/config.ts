import { z } from 'zod';
import { queueSettings } from '@groupidentify/queue-contract';
import {
  boolSetting,
  destinationSettings,
  heapSettings,
  intSetting as int,
  parseSettings,
  serviceSettings,
} from '@groupidentify/service-runtime';
import type { DeliverySettings } from './delivery/delivery-settings.js';

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
  /**
   * Partitions this process applies a batch of at the same time; the others wait their turn (and
   * their batches grow meanwhile). More writers at once than the store has cores add no
   * throughput, and each one queued in the store delays every read (docs/operations.md).
   */
  APPLY_AT_ONCE: int(1, 2),
  /** History is kept this many days; 0 keeps it forever (docs/api.md `as_of` needs it). */
  HISTORY_RETENTION_DAYS: int(0, 0),
  ...destinationSettings,
  /** Whether this process delivers webhooks (docs/webhooks.md#where-delivery-runs). */
  DELIVERY_ENABLED: boolSetting(true),
  /** POSTs at once per (destination, partition), each of a different group. */
  DELIVERY_CONCURRENCY: int(1, 4),
  /** A delivery's whole answer must come within this. */
  DELIVERY_TIMEOUT_MS: int(1, 10_000),
  /** The first retry wait of a failing change; each one after doubles it (with jitter). */
  DELIVERY_RETRY_BASE_MS: int(1, 1000),
  /** No retry wait is longer. */
  DELIVERY_RETRY_CAP_MS: int(1, 3_600_000),
  /** A change failing for this long marks its destination `failing` (3 days). */
  DELIVERY_FAILING_AFTER_MS: int(0, 259_200_000),
  /** A (destination, partition) delivery lease lasts this long unless renewed. */
  DELIVERY_LEASE_MS: int(1000, 30_000),
  /** How often destinations are listed and leases renewed and taken. */
  DELIVERY_SCAN_MS: int(10, 2000),
});

/** The worker's configuration (docs/operations.md). */
export type WorkerConfig = z.infer<typeof schema>;

/** Every environment variable the worker reads (docs/operations.md#configuration lists each). */
export const workerSettingNames: readonly string[] = Object.keys(schema.shape);

/** Reads and validates the environment; throws one readable message listing every problem. */
export function loadConfig(env: NodeJS.ProcessEnv): WorkerConfig {
  const config = parseSettings(schema, env);
  // A POST starts only while the lease outlasts its deadline by 2 s, and leases are renewed
  // every scan: a shorter lease would never let one start.
  const needed = config.DELIVERY_TIMEOUT_MS + 2000 + 2 * config.DELIVERY_SCAN_MS;
  if (config.DELIVERY_LEASE_MS <= needed)
    throw new Error(
      `invalid configuration:\nDELIVERY_LEASE_MS must be more than DELIVERY_TIMEOUT_MS + 2000 + 2 × DELIVERY_SCAN_MS (${needed})`,
    );
  return config;
}

/** The delivery settings of a worker configuration. */
export function deliverySettings(config: WorkerConfig): DeliverySettings {
  return {
    concurrency: config.DELIVERY_CONCURRENCY,
    timeoutMs: config.DELIVERY_TIMEOUT_MS,
    retry: { baseMs: config.DELIVERY_RETRY_BASE_MS, capMs: config.DELIVERY_RETRY_CAP_MS },
    failingAfterMs: config.DELIVERY_FAILING_AFTER_MS,
    allowPrivate: config.DESTINATIONS_ALLOW_PRIVATE,
    leaseMs: config.DELIVERY_LEASE_MS,
    scanMs: config.DELIVERY_SCAN_MS,
  };
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
