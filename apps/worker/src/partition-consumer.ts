import { Queue, Worker, type Job } from 'bullmq';
import {
  QUEUE_NAME,
  parseJobPayload,
  partitionPrefix,
  type RedisClient,
} from '@groupidentify/queue-contract';
import { isTransientStoreError, type Store } from '@groupidentify/store';
import type { Logger } from 'pino';
import { applyJob, type JobPosition } from './apply-job.js';
import { deadLetterUnapplied } from './dead-letter-unapplied.js';
import { currentEpoch } from './partition-epoch.js';
import { retryInOrder } from './retry-in-order.js';
import type { WorkerMetrics } from './worker-metrics.js';

export interface ConsumerDeps {
  store: Store;
  /** For BullMQ (blocking commands need `maxRetriesPerRequest: null`). */
  connection: RedisClient;
  /** For epoch reads. */
  redis: RedisClient;
  queuePrefix: string;
  lockDurationMs: number;
  retryMaxDelayMs: number;
  metrics: WorkerMetrics;
  logger: Logger;
  stopping: () => boolean;
}

// A job that keeps failing for a reason that is not an outage is a bug: after this many attempts
// its unapplied items are dead-lettered, so the partition moves on (SPEC §4 poison).
const MAX_PERMANENT_ATTEMPTS = 5;

/**
 * The BullMQ consumer of one partition. Concurrency 1 here and the queue's global concurrency 1
 * serialize the partition across all processes; no BullMQ retries (they would reorder); a job
 * whose worker dies is handed on by BullMQ's stalled-job check, at the head of the queue.
 */
export function startPartitionConsumer(deps: ConsumerDeps, partition: number): Worker {
  const logger = deps.logger.child({ partition });
  const prefix = partitionPrefix(deps.queuePrefix, partition);
  // Ingest sets the one-consumer limit at its start; a worker also sets it whenever a partition
  // begins a new life (e.g. after a Redis wipe, which erased the limit with everything else).
  const queue = new Queue(QUEUE_NAME, { connection: deps.redis, prefix });
  const oneConsumer = async (): Promise<void> => {
    await queue.setGlobalConcurrency(1);
  };
  const worker = new Worker(
    QUEUE_NAME,
    (job: Job) =>
      processJob(deps, partition, job, logger.child({ job: job.id }), oneConsumer).catch(
        (error: unknown) => {
          // Shutting down mid-job (e.g. during a store outage): hand the job back to the head of its
          // partition. Any other error would move it to `failed`, where nothing ever applies it.
          if (deps.stopping()) throw Worker.RateLimitError();
          throw error;
        },
      ),
    {
      connection: deps.connection,
      prefix,
      concurrency: 1,
      lockDuration: deps.lockDurationMs,
      stalledInterval: Math.max(1000, Math.floor(deps.lockDurationMs / 2)),
      // Never fail a job for stalling: it is redelivered, and the sequence guard makes that safe.
      maxStalledCount: Number.MAX_SAFE_INTEGER,
    },
  );
  worker.once('closed', () => void queue.close());
  return worker;
}

async function processJob(
  deps: ConsumerDeps,
  partition: number,
  job: Job,
  logger: Logger,
  oneConsumer: () => Promise<void>,
): Promise<void> {
  const started = process.hrtime.bigint();
  const retry = {
    maxDelayMs: deps.retryMaxDelayMs,
    isTransient: (e: unknown) => isTransientStoreError(e) || isRedisError(e),
    stopping: deps.stopping,
    onRetry: (error: unknown, attempt: number, delayMs: number) => {
      deps.metrics.retries.inc();
      logger.warn(
        { err: messageOf(error), attempt, delayMs: Math.round(delayMs) },
        'job failed, retrying in order',
      );
    },
  };
  const { epoch, fresh } = await retryInOrder(
    () => currentEpoch(deps.redis, deps.queuePrefix, partition),
    { ...retry, maxPermanentAttempts: Number.MAX_SAFE_INTEGER },
  );
  if (fresh)
    await retryInOrder(oneConsumer, { ...retry, maxPermanentAttempts: Number.MAX_SAFE_INTEGER });
  const position: JobPosition = { partition, epoch, job: Number(job.id) };
  const parsed = parseJobPayload(job.data);
  if (!parsed.ok) {
    logger.error({ reason: parsed.reason }, 'unreadable job dead-lettered');
    await retryInOrder(
      () =>
        deps.store.deadLetters.addUnreadableJob(
          partition,
          position,
          job.data as unknown,
          `unreadable job: ${parsed.reason}`,
          new Date(),
        ),
      { ...retry, maxPermanentAttempts: MAX_PERMANENT_ATTEMPTS },
    );
    deps.metrics.deadLetters.inc(); // one dead letter: alerts on dead letters must see it too
    deps.metrics.jobs.inc({ result: 'unreadable' });
    return;
  }
  const { payload } = parsed;
  try {
    const outcome = await retryInOrder(() => applyJob(deps.store, payload, position, new Date()), {
      ...retry,
      maxPermanentAttempts: MAX_PERMANENT_ATTEMPTS,
    });
    const now = Date.now();
    for (const a of outcome.applied) deps.metrics.lagSeconds.observe((now - a.receivedAt) / 1000);
    deps.metrics.applied.inc(outcome.applied.length);
    deps.metrics.duplicates.inc(outcome.duplicates);
    deps.metrics.deadLetters.inc(outcome.deadLetters);
    deps.metrics.jobs.inc({ result: 'applied' });
  } catch (error) {
    if (deps.stopping() || isTransientStoreError(error)) throw error; // released: see startPartitionConsumer
    logger.error({ err: error }, 'job keeps failing; dead-lettering its unapplied items');
    const reason = `job failed: ${messageOf(error)}`;
    const count = await retryInOrder(
      () => deadLetterUnapplied(deps.store, payload, position, reason),
      {
        ...retry,
        maxPermanentAttempts: MAX_PERMANENT_ATTEMPTS,
      },
    );
    deps.metrics.deadLetters.inc(count);
    deps.metrics.jobs.inc({ result: 'dead-lettered' });
  } finally {
    deps.metrics.batchSize.observe(payload.items.length);
    deps.metrics.applySeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
  }
}

function isRedisError(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return name === 'ReplyError' || name === 'MaxRetriesPerRequestError' || name === 'AbortError';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
