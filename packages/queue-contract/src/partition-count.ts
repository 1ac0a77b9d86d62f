import { partitionCountKey } from './queue-names.js';
import type { RedisClient } from './redis-connection.js';

/**
 * Guards `PARTITIONS` (docs/guarantees.md: fixed for a deployment's life, like Kafka): the first process
 * records the count in Redis; a later one with another count may take over only when every
 * partition of the recorded count is empty (nothing would be stranded in a queue no one reads
 * or reordered across partitions). `jobsIn(p, count)` counts the jobs of partition `p`.
 */
export async function claimPartitionCount(
  redis: RedisClient,
  base: string,
  partitions: number,
  jobsIn: (partition: number) => Promise<number>,
): Promise<void> {
  const key = partitionCountKey(base);
  const recorded = await redis.set(key, String(partitions), 'NX', 'GET');
  if (recorded === null || Number(recorded) === partitions) return;
  const previous = Number(recorded);
  for (let p = 0; p < previous; p++) {
    const jobs = await jobsIn(p);
    if (jobs > 0) {
      throw new Error(
        `PARTITIONS=${partitions} but this deployment uses ${previous} and partition ${p} still holds ${jobs} job(s). ` +
          `Start with PARTITIONS=${previous}, or stop ingest, let the workers drain, and run ` +
          `\`npm run cli -- partitions resize --to ${partitions}\`.`,
      );
    }
  }
  await redis.set(key, String(partitions));
}

/** The partition count the deployment recorded in Redis, or undefined before any app started. */
export async function recordedPartitionCount(
  redis: RedisClient,
  base: string,
): Promise<number | undefined> {
  const value = await redis.get(partitionCountKey(base));
  return value === null ? undefined : Number(value);
}
