import { Cluster, Redis, type RedisOptions } from 'ioredis';

/** A Redis server or a Redis Cluster: BullMQ and every command here work with either. */
export type RedisClient = Redis | Cluster;

/** Where Redis is: the settings of every process (docs/operations.md#configuration). */
export interface RedisLocation {
  /** A single server; with Sentinel, only its user, password and database number are used. */
  REDIS_URL: string;
  /** `host:port,…` of a Redis Cluster's seed nodes. */
  REDIS_CLUSTER_NODES?: string | undefined;
  /** `host:port,…` of Redis Sentinels, which say where the master named REDIS_SENTINEL_MASTER is. */
  REDIS_SENTINELS?: string | undefined;
  REDIS_SENTINEL_MASTER?: string | undefined;
}

/** `host:port,host:port` → the nodes; unset or empty → undefined. `name` is for the error. */
export function parseHostPorts(
  value: string | undefined,
  name = 'REDIS_CLUSTER_NODES',
): { host: string; port: number }[] | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  return value.split(',').map((node) => {
    const match = /^\s*([^\s:]+):(\d+)\s*$/.exec(node);
    if (match?.[1] === undefined || match[2] === undefined) {
      throw new Error(`${name}: "${node}" is not host:port`);
    }
    return { host: match[1], port: Number(match[2]) };
  });
}

/**
 * Connects with `options` on every node connection: to the Redis Cluster of REDIS_CLUSTER_NODES
 * (partition keys carry a hash tag, `{gi:07}`, so each partition lives in one slot and BullMQ's
 * scripts run unchanged on a cluster, docs/guarantees.md); else to the master the Sentinels of
 * REDIS_SENTINELS name, following it when they fail over; else to REDIS_URL.
 */
export function connectRedis(where: RedisLocation, options: RedisOptions): RedisClient {
  const nodes = parseHostPorts(where.REDIS_CLUSTER_NODES);
  const sentinels = parseHostPorts(where.REDIS_SENTINELS, 'REDIS_SENTINELS');
  if (nodes !== undefined && sentinels !== undefined)
    throw new Error('set REDIS_CLUSTER_NODES or REDIS_SENTINELS, not both');
  if (nodes !== undefined)
    return new Cluster(nodes, {
      redisOptions: options,
      enableOfflineQueue: options.enableOfflineQueue ?? true,
      lazyConnect: options.lazyConnect ?? false,
      // Partitions are written and read on masters only: replicas may lag.
      scaleReads: 'master',
    });
  if (sentinels !== undefined) {
    const url = new URL(where.REDIS_URL);
    const secret = (part: string) => (part === '' ? undefined : decodeURIComponent(part));
    return new Redis({
      ...options,
      sentinels,
      name: where.REDIS_SENTINEL_MASTER ?? 'mymaster',
      username: secret(url.username),
      password: secret(url.password),
      db: Number(url.pathname.slice(1)) || 0,
    });
  }
  return new Redis(where.REDIS_URL, options);
}
