import { join } from 'node:path';
import { Redis } from 'ioredis';
import {
  mongoPing,
  redisPing,
  startMongo,
  startRedis,
  type LocalServer,
} from '@groupidentify/local-services';
import { complain, say } from './log.js';
import { hostOf } from '@groupidentify/service-runtime';
import type { StackConfig } from './stack-config.js';
import { connectRedis } from '@groupidentify/queue-contract';

/** A server the stack uses; `server` only when the stack started it (and so must stop it). */
export interface UsedServer {
  url: string;
  server?: LocalServer;
}

const CHECK_TIMEOUT_MS = 3000;

/** REDIS_URL if given (and answering), else a Redis on the local port: reused, or started. */
export async function ensureRedis(config: StackConfig): Promise<UsedServer> {
  if (config.REDIS_CLUSTER_NODES !== undefined) {
    say(`redis: using the Redis Cluster at ${config.REDIS_CLUSTER_NODES} (REDIS_CLUSTER_NODES)…`);
    await pingCluster(config.REDIS_CLUSTER_NODES);
    return { url: config.redisUrl };
  }
  if (config.REDIS_URL !== undefined) {
    say(`redis: using REDIS_URL (${hostOf(config.REDIS_URL)})…`);
    await pingRedisUrl(config.REDIS_URL);
    return { url: config.REDIS_URL };
  }
  const port = config.STACK_REDIS_PORT;
  if (await redisPing(port)) {
    say(`redis: reusing the server already answering on 127.0.0.1:${port} (left running on exit)`);
    return { url: config.redisUrl };
  }
  const dir = join(config.STACK_DIR, 'redis');
  say(`redis: starting redis-server on 127.0.0.1:${port} (data in ${dir})…`);
  const server = await startRedis({ dir, port, maxmemory: config.STACK_REDIS_MAXMEMORY });
  say(`redis: ready (pid ${server.pid ?? '?'}, log ${server.logFile})`);
  return { url: config.redisUrl, server };
}

/** MONGO_URL if given (and answering), else a MongoDB wire server on the local port. */
export async function ensureMongo(config: StackConfig): Promise<UsedServer> {
  if (config.MONGO_URL !== undefined) {
    say(`mongo: using MONGO_URL (${hostOf(config.MONGO_URL)})…`);
    await pingMongoUrl(config.MONGO_URL);
    return { url: config.MONGO_URL };
  }
  const port = config.STACK_MONGO_PORT;
  if (await mongoPing(config.mongoUrl).catch(() => false)) {
    say(`mongo: reusing the server already answering on 127.0.0.1:${port} (left running on exit)`);
    return { url: config.mongoUrl };
  }
  const dir = join(config.STACK_DIR, 'mongo');
  say(`mongo: starting a MongoDB wire server on 127.0.0.1:${port} (data in ${dir})…`);
  const server = await startMongo({ dir, port });
  if (server.warning !== undefined) complain(`WARNING: ${server.warning}`);
  say(`mongo: ${server.kind} ready (pid ${server.pid ?? '?'}, log ${server.logFile})`);
  return { url: config.mongoUrl, server };
}

async function pingRedisUrl(url: string): Promise<void> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: CHECK_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  let lastError: Error | undefined;
  client.on('error', (error: Error) => (lastError = error));
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    // connect() only says "Connection is closed"; the last socket error says why.
    const why = lastError ?? error;
    throw new Error(
      `REDIS_URL (${hostOf(url)}) does not answer: ${why instanceof Error ? why.message : String(why)}`,
      { cause: error },
    );
  } finally {
    client.disconnect();
  }
}

async function pingCluster(nodes: string): Promise<void> {
  const client = connectRedis(
    { REDIS_URL: 'redis://unused', REDIS_CLUSTER_NODES: nodes },
    {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
    },
  );
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    throw new Error(
      `REDIS_CLUSTER_NODES (${nodes}) does not answer: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  } finally {
    client.disconnect();
  }
}

async function pingMongoUrl(url: string): Promise<void> {
  const ok = await mongoPing(url, CHECK_TIMEOUT_MS).catch((error: unknown) => {
    throw new Error(
      `MONGO_URL (${hostOf(url)}) does not answer: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  });
  if (!ok) throw new Error(`MONGO_URL (${hostOf(url)}) does not answer ping`);
}
