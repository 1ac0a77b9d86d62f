import { z } from 'zod';

/**
 * The queue settings every process of a deployment shares: where Redis is and how the partition
 * queues are named and counted. Each app's config adds these to its own.
 */
export const queueSettings = {
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
    .default('redis://127.0.0.1:6379'),
  /** `host:port,host:port,…` of a Redis Cluster; when set, REDIS_URL is not used. */
  REDIS_CLUSTER_NODES: z
    .string()
    .regex(/^\s*[^\s:,]+:\d+\s*(,\s*[^\s:,]+:\d+\s*)*$/, 'must be host:port,host:port,…')
    .optional(),
  /**
   * `host:port,host:port,…` of Redis Sentinels: the processes connect to the master they name
   * REDIS_SENTINEL_MASTER, and follow it when it fails over; REDIS_URL then gives only the user,
   * password and database number. Not with REDIS_CLUSTER_NODES.
   */
  REDIS_SENTINELS: z
    .string()
    .regex(/^\s*[^\s:,]+:\d+\s*(,\s*[^\s:,]+:\d+\s*)*$/, 'must be host:port,host:port,…')
    .optional(),
  REDIS_SENTINEL_MASTER: z.string().min(1).default('mymaster'),
  /** Fixed for a deployment's life, the same on every process (docs/guarantees.md). */
  PARTITIONS: z.coerce.number().int().min(1).default(16),
  /** Base of the BullMQ partition prefixes, `{<base>:07}`. */
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/)
    .default('gi'),
};
