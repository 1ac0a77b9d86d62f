import type { Server } from 'node:http';
import type { Worker } from 'bullmq';
import {
  claimPartitionCount,
  connectRedis,
  countPartitionJobs,
  feedReadersPresent,
} from '@groupidentify/queue-contract';
import type { Logger } from 'pino';
import { openStore } from '@groupidentify/store';
import { Turns, startMetricsServer } from '@groupidentify/service-runtime';
import { deliverySettings, selectedPartitions, type WorkerConfig } from './config.js';
import { DeliverySupervisor } from './delivery/delivery-supervisor.js';
import { startPartitionConsumer } from './partition-consumer.js';
import { createWorkerMetrics, type WorkerMetrics } from './worker-metrics.js';

/** A running worker process. */
export interface WorkerService {
  partitions: number[];
  metrics: WorkerMetrics;
  /** The metrics server's port, when it runs. */
  metricsPort: number | undefined;
  /** Finishes or releases the current jobs, closes clients (docs/operations.md). */
  close(): Promise<void>;
}

/** Starts consumers for the configured partitions, with real clients. */
export async function startWorker(config: WorkerConfig, logger: Logger): Promise<WorkerService> {
  const partitions = selectedPartitions(config.WORKER_PARTITIONS, config.PARTITIONS);
  const store = await openStore(config.MONGO_URL, {
    maintain: { historyRetentionDays: config.HISTORY_RETENTION_DAYS },
  });

  const connection = connectRedis(config, {
    maxRetriesPerRequest: null,
  });
  const redis = connectRedis(config, {
    maxRetriesPerRequest: 2,
  });
  await claimPartitionCount(redis, config.QUEUE_PREFIX, config.PARTITIONS, (p) =>
    countPartitionJobs(redis, config.QUEUE_PREFIX, p),
  );
  for (const client of [connection, redis])
    client.on('error', (err: Error) => logger.warn({ err: err.message }, 'redis connection error'));
  const metrics = createWorkerMetrics();
  let stopping = false;
  const feedHasReaders = feedReadersPresent(redis, config.QUEUE_PREFIX);
  const applyTurns = new Turns(config.APPLY_AT_ONCE);
  const workers: Worker[] = partitions.map((p) =>
    startPartitionConsumer(
      {
        store,
        connection,
        redis,
        queuePrefix: config.QUEUE_PREFIX,
        lockDurationMs: config.LOCK_DURATION_MS,
        retryMaxDelayMs: config.RETRY_MAX_DELAY_MS,
        batchMaxItems: config.APPLY_BATCH_MAX_ITEMS,
        applyTurns,
        partitions: config.PARTITIONS,
        metrics,
        logger,
        stopping: () => stopping,
        feedHasReaders,
      },
      p,
    ),
  );
  for (const w of workers)
    w.on('error', (err) => logger.warn({ err: err.message }, 'worker error'));
  const delivery = config.DELIVERY_ENABLED
    ? new DeliverySupervisor({
        store,
        redis,
        subscriber: () => {
          const subscriber = connectRedis(config, { maxRetriesPerRequest: null });
          subscriber.on('error', (err: Error) =>
            logger.warn({ err: err.message }, 'redis subscriber connection error'),
          );
          return subscriber;
        },
        prefix: config.QUEUE_PREFIX,
        partitions: config.PARTITIONS,
        settings: deliverySettings(config),
        logger,
        attempted: (ok) => metrics.deliveries.inc({ result: ok ? 'delivered' : 'failed' }),
      })
    : undefined;
  delivery?.start();
  const server: Server | undefined =
    config.METRICS_PORT === 0
      ? undefined
      : await startMetricsServer(metrics.registry, config.METRICS_PORT, '0.0.0.0');
  const address = server?.address();
  logger.info({ partitions }, 'worker started');

  return {
    partitions,
    metrics,
    metricsPort: typeof address === 'object' && address !== null ? address.port : undefined,
    async close() {
      stopping = true;
      await Promise.allSettled([...workers.map((w) => w.close()), delivery?.close()]);
      server?.close();
      connection.disconnect();
      redis.disconnect();
      await store.close();
    },
  };
}
