import { Cluster, Redis, type RedisOptions } from 'ioredis';

/** A Redis server or a Redis Cluster: BullMQ and every command here work with either. */
export type RedisClient = Redis | Cluster;

/**
 * `REDIS_CLUSTER_NODES=host:port,host:port` → the seed nodes of a Redis Cluster; unset → the
 * single server of `REDIS_URL`. Partition keys carry a hash tag (`{gi:07}`), so each partition
 * lives in one slot and BullMQ's scripts run unchanged on a cluster (docs/guarantees.md).
 */
export function parseClusterNodes(
  value: string | undefined,
): { host: string; port: number }[] | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  return value.split(',').map((node) => {
    const match = /^\s*([^\s:]+):(\d+)\s*$/.exec(node);
    if (match?.[1] === undefined || match[2] === undefined) {
      throw new Error(`REDIS_CLUSTER_NODES: "${node}" is not host:port`);
    }
    return { host: match[1], port: Number(match[2]) };
  });
}

/** Connects to the configured Redis or Redis Cluster with `options` on every node connection. */
export function connectRedis(
  url: string,
  clusterNodes: string | undefined,
  options: RedisOptions,
): RedisClient {
  const nodes = parseClusterNodes(clusterNodes);
  if (nodes === undefined) return new Redis(url, options);
  return new Cluster(nodes, {
    redisOptions: options,
    enableOfflineQueue: options.enableOfflineQueue ?? true,
    lazyConnect: options.lazyConnect ?? false,
    // Partitions are written and read on masters only: replicas may lag.
    scaleReads: 'master',
  });
}
