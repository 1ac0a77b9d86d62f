import {
  connectRedis as connectQueueRedis,
  recordedPartitionCount,
  type RedisClient,
} from '@groupidentify/queue-contract';
import { hostOf } from '@groupidentify/service-runtime';
import { openStore, type Store } from '@groupidentify/store';
import { CliError, UsageError } from './cli-error.js';
import type { CliConfig } from './config.js';
import type { CliIo } from './cli-io.js';

/** What a command may use. Clients connect on first use, so `project list` never needs Redis. */
export interface CliContext {
  config: CliConfig;
  /** Where a streaming command writes as it goes. */
  io: CliIo;
  store(): Promise<Store>;
  redis(): Promise<RedisClient>;
  /**
   * `PARTITIONS`, once checked against the count the deployment recorded in Redis: a command
   * that picks a group's partition, or reads a position per partition, with another count would
   * queue an erasure or a line behind the wrong partition's items, or follow half the feed.
   * Another count is a configuration error (exit 2); none recorded yet, `PARTITIONS` stands.
   */
  partitions(): Promise<number>;
  /** Closes whatever was opened, so the process exits at once. */
  close(): Promise<void>;
}

const CONNECT_TIMEOUT_MS = 5000;

export function createCliContext(config: CliConfig, io: CliIo): CliContext {
  let store: Promise<Store> | undefined;
  let redis: Promise<RedisClient> | undefined;
  let partitions: Promise<number> | undefined;
  const connectStore = async (): Promise<Store> => {
    const opened = await openStore(config.MONGO_URL, {
      serverSelectionTimeoutMS: CONNECT_TIMEOUT_MS,
    });
    try {
      await opened.capabilities(); // the first round trip: fails here if the server is away
      return opened;
    } catch (error) {
      await opened.close();
      throw new CliError(`cannot reach MongoDB at ${hostOf(config.MONGO_URL)} (MONGO_URL)`, {
        cause: error,
      });
    }
  };
  const connectRedis = async (): Promise<RedisClient> => {
    const client = connectQueueRedis(config, {
      lazyConnect: true,
      connectTimeout: CONNECT_TIMEOUT_MS,
      maxRetriesPerRequest: 1,
      // A replay's enqueue whose reply a lost connection took may have run: never run it again.
      autoResendUnfulfilledCommands: false,
      // A few quick reconnects, then give up: a CLI must fail, not hang.
      retryStrategy: (attempt) => (attempt > 3 ? null : 200),
    });
    // connect() only says "Connection is closed"; the last socket error says why.
    let lastError: Error | undefined;
    client.on('error', (error: Error) => (lastError = error));
    try {
      await client.connect();
      return client;
    } catch (error) {
      client.disconnect();
      throw new CliError(`cannot reach Redis at ${hostOf(config.REDIS_URL)} (REDIS_URL)`, {
        cause: lastError ?? error,
      });
    }
  };
  const redisClient = (): Promise<RedisClient> => (redis ??= connectRedis());
  return {
    config,
    io,
    store() {
      store ??= connectStore();
      return store;
    },
    redis: redisClient,
    partitions() {
      partitions ??= (async () => {
        const recorded = await recordedPartitionCount(await redisClient(), config.QUEUE_PREFIX);
        if (recorded !== undefined && recorded !== config.PARTITIONS)
          throw new UsageError(
            `PARTITIONS=${config.PARTITIONS} but this deployment uses ${recorded} (recorded in ` +
              `Redis): set PARTITIONS=${recorded} (\`partitions show\` prints both)`,
          );
        return config.PARTITIONS;
      })();
      return partitions;
    },
    async close() {
      const [s, r] = await Promise.allSettled([store, redis]);
      if (r.status === 'fulfilled' && r.value) await r.value.quit().catch(() => undefined);
      if (s.status === 'fulfilled' && s.value) await s.value.close();
    },
  };
}
