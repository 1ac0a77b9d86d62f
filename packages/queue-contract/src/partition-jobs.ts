import { openPartitionQueue } from './partition-queue.js';
import type { RedisClient } from './redis-connection.js';

/** Jobs of one partition that are not finished: waiting (incl. paused), active, delayed, prioritized. */
export async function countPartitionJobs(
  connection: RedisClient,
  base: string,
  partition: number,
): Promise<number> {
  const queue = openPartitionQueue(connection, base, partition);
  try {
    const counts = await queue.getJobCounts('wait', 'active', 'delayed', 'prioritized');
    return Object.values(counts).reduce((sum, n) => sum + n, 0);
  } finally {
    await queue.close();
  }
}
