import type { Queue } from 'bullmq';
import {
  enqueueJobs,
  openPartitionQueue,
  type JobPayload,
  type RedisClient,
} from '@groupidentify/queue-contract';
import type { PartitionSink } from './group-committer.js';

/**
 * One queue per partition, all over one shared ioredis connection, so that the enqueues of all
 * partitions share one ordered pipe.
 */
export function createPartitionQueues(
  connection: RedisClient,
  base: string,
  partitions: number,
): Queue<JobPayload>[] {
  return Array.from({ length: partitions }, (_, p) => openPartitionQueue(connection, base, p));
}

/** The group-commit sink of one queue: its jobs in order, one round trip. */
export function queueSink(queue: Queue<JobPayload>): PartitionSink {
  return async (jobs: JobPayload[]) => {
    await enqueueJobs(queue, jobs);
  };
}
