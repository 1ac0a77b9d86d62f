import { Worker, type Job, type Queue } from 'bullmq';
import {
  QUEUE_NAME,
  announceChanges,
  isDeletion,
  epochKey,
  forgetQueuedGroups,
  limitToOneConsumer,
  openPartitionQueue,
  parseJobPayload,
  partitionPrefix,
  removeAppliedJobs,
  type JobPayload,
  type RedisClient,
} from '@groupidentify/queue-contract';
import type { Turns } from '@groupidentify/service-runtime';
import { isTransientStoreError, type Store } from '@groupidentify/store';
import type { Logger } from 'pino';
import { applyItems, type ApplyOutcome, type JobPosition } from './apply-items.js';
import { deadLetterUnapplied } from './dead-letter-unapplied.js';
import { AppliedAhead, jobsAhead, type AheadJob } from './jobs-ahead.js';
import { currentEpoch } from './partition-epoch.js';
import { retryInOrder, type RetryOptions } from './retry-in-order.js';
import { recountGroups } from './recount-groups.js';
import { sequenceItems } from './sequenced-item.js';
import type { StepTimer } from './step-timer.js';
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
  /** Most items applied in one batch (the held job and the jobs applied ahead with it). */
  batchMaxItems: number;
  /** The process's batches applied at once (`APPLY_AT_ONCE`), shared by its partitions. */
  applyTurns: Turns;
  /** The deployment's partition count (to tell which groups are this partition's). */
  partitions: number;
  metrics: WorkerMetrics;
  logger: Logger;
  stopping: () => boolean;
  /** Whether the change feed has readers: then notices carry the batches' changes. */
  feedHasReaders: () => boolean;
}

// A batch that keeps failing for a reason that is not an outage is a bug: after this many
// attempts its job's unapplied items are dead-lettered, so the partition moves on (poison).
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
  const queue = openPartitionQueue(deps.redis, deps.queuePrefix, partition);
  const consumer: Consumer = { ...deps, partition, queue, ahead: new AppliedAhead() };
  const worker = new Worker(
    QUEUE_NAME,
    (job: Job) =>
      processJob(consumer, job, logger.child({ job: job.id })).catch((error: unknown) => {
        // Shutting down mid-job (e.g. during a store outage): hand the job back to the head of its
        // partition. Any other error would move it to `failed`, where nothing ever applies it.
        if (deps.stopping()) throw Worker.RateLimitError();
        throw error;
      }),
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

interface Consumer extends ConsumerDeps {
  partition: number;
  queue: Queue<JobPayload>;
  ahead: AppliedAhead;
}

/** The two ways of retrying in order: until it works (Redis, epochs), or a few times (a batch). */
function retryPolicies(c: Consumer, logger: Logger) {
  const base: Omit<RetryOptions, 'maxPermanentAttempts'> = {
    maxDelayMs: c.retryMaxDelayMs,
    isTransient: (e: unknown) => isTransientStoreError(e) || isRedisError(e),
    stopping: c.stopping,
    onRetry: (error: unknown, attempt: number, delayMs: number) => {
      c.metrics.retries.inc();
      logger.warn(
        { err: messageOf(error), attempt, delayMs: Math.round(delayMs) },
        'job failed, retrying in order',
      );
    },
  };
  return {
    forever: { ...base, maxPermanentAttempts: Number.MAX_SAFE_INTEGER },
    aFewTimes: { ...base, maxPermanentAttempts: MAX_PERMANENT_ATTEMPTS },
  };
}

async function processJob(c: Consumer, job: Job, logger: Logger): Promise<void> {
  const retry = retryPolicies(c, logger);
  const { epoch, fresh } = await retryInOrder(
    () => currentEpoch(c.redis, c.queuePrefix, c.partition),
    retry.forever,
  );
  if (fresh) await retryInOrder(() => limitToOneConsumer(c.queue), retry.forever);
  const position: JobPosition = { partition: c.partition, epoch, job: Number(job.id) };
  // Applied ahead, and still in the queue (its removal failed): counted when it was applied.
  if (c.ahead.take(epoch, position.job)) return;
  const parsed = parseJobPayload(job.data);
  if (!parsed.ok) {
    logger.error({ reason: parsed.reason }, 'unreadable job dead-lettered');
    await retryInOrder(
      () =>
        c.store.deadLetters.addUnreadableJob(
          c.partition,
          position,
          job.data as unknown,
          `unreadable job: ${parsed.reason}`,
          new Date(),
        ),
      retry.aFewTimes,
    );
    c.metrics.deadLetters.inc(); // one dead letter: alerts on dead letters must see it too
    c.metrics.erasuresDeadLettered.inc(erasuresIn(job.data));
    c.metrics.jobs.inc({ result: 'unreadable' });
    return;
  }
  const { payload } = parsed;
  // The jobs that came while this partition waited for its turn are applied with it.
  const waitStarted = process.hrtime.bigint();
  const endTurn = await c.applyTurns.take(APPLY);
  c.metrics.applyTurnWaitSeconds.observe(Number(process.hrtime.bigint() - waitStarted) / 1e9);
  try {
    await applyInTurn(c, payload, position, retry, logger);
  } finally {
    endTurn();
  }
}

/** Every partition of a process takes its batches' turns under this one key. */
const APPLY = 'apply';

async function applyInTurn(
  c: Consumer,
  payload: JobPayload,
  position: JobPosition,
  retry: ReturnType<typeof retryPolicies>,
  logger: Logger,
): Promise<void> {
  const started = process.hrtime.bigint();
  const { epoch } = position;
  const more = await readAhead(c, position, payload, logger);
  const items = [
    ...sequenceItems(payload.items, epoch, position.job),
    ...more.flatMap((j) => sequenceItems(j.payload.items, epoch, j.id)),
  ];
  const time = stepTimer(c.metrics);
  try {
    let outcome: ApplyOutcome;
    try {
      outcome = await retryInOrder(
        () => applyItems(c.store, c.partition, items, new Date(), time),
        more.length === 0 ? ownJobRetry(payload, retry) : retry.aFewTimes,
      );
      c.ahead.add(
        epoch,
        more.map((j) => j.id),
      );
      if (more.length > 0) c.metrics.jobs.inc({ result: 'applied-ahead' }, more.length);
      await removeAhead(c, more, logger);
    } catch (error) {
      if (c.stopping() || isTransientStoreError(error) || more.length === 0) throw error;
      logger.warn({ err: messageOf(error) }, 'batch keeps failing; applying its first job alone');
      const own = sequenceItems(payload.items, epoch, position.job);
      outcome = await retryInOrder(
        () => applyItems(c.store, c.partition, own, new Date(), time),
        ownJobRetry(payload, retry),
      );
    }
    record(c.metrics, outcome);
    await Promise.all([announce(c, outcome, logger), forgetWritten(c, outcome.written, logger)]);
    await recount(c, outcome.recount, logger);
  } catch (error) {
    if (c.stopping() || isTransientStoreError(error)) throw error; // released: see startPartitionConsumer
    logger.error({ err: error }, 'job keeps failing; dead-lettering its unapplied items');
    const reason = `job failed: ${messageOf(error)}`;
    const { letters, erasures } = await retryInOrder(
      () => deadLetterUnapplied(c.store, payload, position, reason),
      retry.aFewTimes,
    );
    c.metrics.deadLetters.inc(letters);
    c.metrics.erasuresDeadLettered.inc(erasures);
    c.metrics.jobs.inc({ result: 'dead-lettered' });
  } finally {
    c.metrics.batchSize.observe(items.length);
    c.metrics.applySeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
  }
}

/**
 * Tells the feed's readers what the batch committed, with its changes while the feed has readers.
 * Best effort: the job is done whatever happens here (docs/guarantees.md#notices).
 */
async function announce(c: Consumer, outcome: ApplyOutcome, logger: Logger): Promise<void> {
  try {
    const changes = c.feedHasReaders() ? outcome.changes() : undefined;
    await announceChanges(c.redis, c.queuePrefix, c.partition, outcome.committed, changes);
  } catch (error) {
    logger.warn({ err: messageOf(error) }, 'could not announce changes');
  }
}

/**
 * Takes the batch's written groups out of the partition's queued-groups set: the store answers
 * for them from now on (docs/guarantees.md#erasure). Best effort: a mark left behind (this call
 * failed, or the process died before it) only keeps a written group marked, which changes no
 * answer, until a later batch of the group takes it out.
 */
async function forgetWritten(c: Consumer, groupIds: string[], logger: Logger): Promise<void> {
  try {
    await forgetQueuedGroups(c.queue, c.redis, groupIds);
  } catch (error) {
    logger.warn({ err: messageOf(error) }, 'could not unmark the written groups');
  }
}

/**
 * Takes the jobs applied ahead out of the queue at once (one Redis call), instead of letting
 * BullMQ hand them over one at a time only for this process to complete them unread. Best effort:
 * one left in the queue is completed without touching the store when its turn comes
 * ({@link AppliedAhead}), or applied again as a no-op by another process.
 */
async function removeAhead(c: Consumer, jobs: readonly AheadJob[], logger: Logger): Promise<void> {
  if (jobs.length === 0) return;
  try {
    await removeAppliedJobs(
      c.queue,
      c.redis,
      jobs.map((j) => String(j.id)),
    );
  } catch (error) {
    logger.warn({ err: messageOf(error) }, 'could not remove the jobs applied ahead');
  }
}

/**
 * Recounts this partition's groups of projects whose counts a race may have put off. Best effort:
 * the job is done whatever happens here, and counts that stay marked are recounted after a later
 * commit (until then, counting those projects' groups scans them).
 */
async function recount(c: Consumer, projects: readonly string[], logger: Logger): Promise<void> {
  for (const project of projects) {
    try {
      const done = await recountGroups(c.store, project, c.partition, c.partitions);
      logger.warn({ project, done }, 'group counts recounted after a race');
    } catch (error) {
      logger.warn({ project, err: messageOf(error) }, 'could not recount group counts');
    }
  }
}

/**
 * How a job alone is retried: a few times, then its unapplied items are dead-lettered — unless it
 * holds an erasure, which is never dead-lettered (a replay would come after, and erase, what was
 * accepted since): it is retried in order until it applies, like an outage, and the partition
 * waits (docs/guarantees.md).
 */
function ownJobRetry(payload: JobPayload, retry: ReturnType<typeof retryPolicies>): RetryOptions {
  return payload.items.some(isDeletion) ? retry.forever : retry.aFewTimes;
}

/**
 * The waiting jobs to apply with this one (see {@link jobsAhead}), or none if they cannot be read
 * or the partition began a new life meanwhile (a Redis wipe restarts job ids: jobs read now might
 * belong to it, and must not be applied under the old epoch).
 */
async function readAhead(
  c: Consumer,
  position: JobPosition,
  payload: JobPayload,
  logger: Logger,
): Promise<AheadJob[]> {
  try {
    const more = await jobsAhead(
      c.queue,
      c.redis,
      position.job,
      payload.items.length,
      c.batchMaxItems,
    );
    if (more.length === 0) return [];
    const epoch = await c.redis.get(epochKey(c.queuePrefix, c.partition));
    return epoch === position.epoch ? more : [];
  } catch (error) {
    logger.warn({ err: messageOf(error) }, 'could not read the jobs waiting behind this one');
    return [];
  }
}

/** The erasures in an unreadable job's raw data, as far as they can be read (for the alert). */
function erasuresIn(data: unknown): number {
  const items: unknown = (data as { items?: unknown } | null)?.items;
  if (!Array.isArray(items)) return 0;
  return items.filter((i: unknown) => (i as { kind?: unknown } | null)?.kind === 'delete').length;
}

function record(metrics: WorkerMetrics, outcome: ApplyOutcome): void {
  const now = Date.now();
  for (const a of outcome.applied) metrics.lagSeconds.observe((now - a.receivedAt) / 1000);
  metrics.applied.inc(outcome.applied.length);
  metrics.duplicates.inc(outcome.duplicates);
  metrics.deadLetters.inc(outcome.deadLetters);
  metrics.jobs.inc({ result: 'applied' });
}

function stepTimer(metrics: WorkerMetrics): StepTimer {
  return async (step, work) => {
    const end = metrics.stepSeconds.startTimer({ step });
    try {
      return await work();
    } finally {
      end();
    }
  };
}

function isRedisError(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return name === 'ReplyError' || name === 'MaxRetriesPerRequestError' || name === 'AbortError';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
