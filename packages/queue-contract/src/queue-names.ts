/** BullMQ queue name used inside every partition prefix. */
export const QUEUE_NAME = 'identify';

/**
 * The BullMQ prefix of one partition, e.g. `{gi:07}`. The braces are a Redis Cluster hash tag:
 * all keys of a partition share a slot, so its Lua scripts run unchanged on a cluster.
 */
export function partitionPrefix(base: string, partition: number): string {
  return `{${base}:${String(partition).padStart(2, '0')}}`;
}

/** Redis key naming the current life of a partition queue (docs/guarantees.md epoch). */
export function epochKey(base: string, partition: number): string {
  return `${partitionPrefix(base, partition)}:${QUEUE_NAME}:epoch`;
}

/** Redis key recording the partition count a deployment was started with. */
export function partitionCountKey(base: string): string {
  return `{${base}}:partitions`;
}
