import type { Queue } from 'bullmq';
import {
  openPartitionQueue,
  type JobPayload,
  type RedisClient,
} from '@groupidentify/queue-contract';

/** Partition queues a command opens as it needs them, on one connection, and closes together. */
export interface LazyPartitionQueues {
  queueOf: (partition: number) => Queue<JobPayload>;
  close: () => Promise<void>;
}

export function lazyPartitionQueues(redis: RedisClient, prefix: string): LazyPartitionQueues {
  const queues = new Map<number, Queue<JobPayload>>();
  return {
    queueOf: (partition) => {
      let queue = queues.get(partition);
      if (queue === undefined) {
        queue = openPartitionQueue(redis, prefix, partition);
        queues.set(partition, queue);
      }
      return queue;
    },
    close: async () => {
      await Promise.all([...queues.values()].map((q) => q.close()));
    },
  };
}
