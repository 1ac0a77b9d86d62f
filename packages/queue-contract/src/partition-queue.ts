import { Queue } from 'bullmq';
import type { JobPayload } from './job-payload.js';
import { QUEUE_NAME, partitionPrefix } from './queue-names.js';
import { groupsOfJobs, markGroupsQueued, queueConnection } from './queued-groups.js';
import type { RedisClient } from './redis-connection.js';

/**
 * A partition's BullMQ queue, as every process opens it. Its errors are the connection's, which
 * its owner logs once; unheard, BullMQ would print each of them again per queue.
 */
export function openPartitionQueue(
  connection: RedisClient,
  base: string,
  partition: number,
): Queue<JobPayload> {
  const queue = new Queue<JobPayload>(QUEUE_NAME, {
    connection,
    prefix: partitionPrefix(base, partition),
  });
  queue.on('error', () => undefined);
  return queue;
}

/**
 * Serializes the partition across all worker processes: one job of it active at a time, which is
 * what keeps per-group order (docs/guarantees.md#partitions-order-per-group). Idempotent.
 */
export async function limitToOneConsumer(queue: Queue<JobPayload>): Promise<void> {
  await queue.setGlobalConcurrency(1);
}

/**
 * Adds jobs to a partition queue, in order, in one round trip, and returns their ids. No
 * `attempts` or `backoff`: a BullMQ retry rejoins the back of the queue and would reorder; a
 * completed job is removed, a failed one kept for inspection. Their groups are marked queued
 * first, on the same connection and in the same round trip (docs/guarantees.md#erasure): a job
 * is never in Redis before its groups' marks.
 */
export async function enqueueJobs(
  queue: Queue<JobPayload>,
  payloads: readonly JobPayload[],
): Promise<(string | undefined)[]> {
  const client = await queueConnection(queue);
  const marked = markGroupsQueued(client, queue, groupsOfJobs(payloads));
  // One job (the common flush at a few identifications per request): a single command. addBulk
  // builds an ioredis pipeline, whose constructor copies every BullMQ script onto it (~100
  // properties): that was 10 % of ingest's allocations at 1 identification per request.
  const [only] = payloads;
  const added =
    payloads.length === 1 && only !== undefined
      ? queue.add(QUEUE_NAME, only, JOB_OPTIONS).then((job) => [job.id])
      : queue
          .addBulk(payloads.map((data) => ({ name: QUEUE_NAME, data, opts: JOB_OPTIONS })))
          .then((jobs) => jobs.map((job) => job.id));
  const [, ids] = await Promise.all([marked, added]);
  return ids;
}

const JOB_OPTIONS = { removeOnComplete: true, removeOnFail: false } as const;
