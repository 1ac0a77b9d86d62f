import { Queue } from 'bullmq';
import {
  QUEUE_NAME,
  partitionPrefix,
  type JobPayload,
  type RedisClient,
} from '@groupidentify/queue-contract';
import type { PartitionSink } from './group-committer.js';

/**
 * One BullMQ queue per partition, all over one shared ioredis connection (so enqueues of all
 * partitions share one ordered pipe). Jobs get no `attempts`/`backoff`: a BullMQ retry rejoins
 * the back of the queue and would reorder (DESIGN §2).
 */
export function createPartitionQueues(
  connection: RedisClient,
  base: string,
  partitions: number,
): Queue[] {
  return Array.from({ length: partitions }, (_, p) => {
    const queue = new Queue(QUEUE_NAME, { connection, prefix: partitionPrefix(base, p) });
    // Each queue re-emits the shared connection's errors; unheard, BullMQ console.errors every one
    // (per partition, per reconnect attempt) outside the JSON log. The connection logs them once.
    queue.on('error', () => undefined);
    return queue;
  });
}

/** Serializes every partition across all worker processes (DESIGN §2); idempotent. */
export async function limitToOneConsumer(queues: readonly Queue[]): Promise<void> {
  await Promise.all(queues.map((q) => q.setGlobalConcurrency(1)));
}

/** The group-commit sink of one queue: its jobs in order, one `addBulk` round trip. */
export function queueSink(queue: Queue): PartitionSink {
  return async (jobs: JobPayload[]) => {
    await queue.addBulk(
      jobs.map((data) => ({
        name: QUEUE_NAME,
        data,
        opts: { removeOnComplete: true, removeOnFail: false },
      })),
    );
  };
}
