import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { Logger } from 'pino';
import { createApp } from './app.js';
import { BacklogMonitor } from './backlog-monitor.js';
import { answerClientErrorsAsJson } from './client-error.js';
import type { IngestConfig } from './config.js';
import { GroupCommitter } from './group-committer.js';
import { createIngestMetrics, recordBacklog } from './metrics.js';
import { createPartitionQueues, queueSink } from './partition-queues.js';
import { createProjectLookup } from './project-lookup.js';
import { ProjectRateLimits } from './project-rate-limits.js';
import { openStore } from '@groupidentify/store';
import { startMetricsServer } from '@groupidentify/service-runtime';
import {
  ChangeNotices,
  claimPartitionCount,
  connectRedis,
  countPartitionJobs,
  limitToOneConsumer,
} from '@groupidentify/queue-contract';

/** A running ingest process: its HTTP server and a graceful stop. */
export interface IngestService {
  server: Server;
  port: number;
  /** The port of `/metrics` (`METRICS_PORT`); undefined when it is off. */
  metricsPort: number | undefined;
  /** Stops accepting, lets in-flight requests finish, flushes, closes clients (docs/operations.md). */
  close(): Promise<void>;
}

/** Wires real clients into the app and listens on `config.PORT` (0 = any free port). */
export async function startIngest(config: IngestConfig, logger: Logger): Promise<IngestService> {
  // No offline queue: with Redis down an enqueue fails at once (503) instead of hanging. Never
  // send a command again after a reconnect: an enqueue whose reply the lost connection took may
  // have run, and running it again adds its identifications twice (ioredis resends by default).
  // The enqueue's timeout answers 503 instead: maybe accepted, as an SDK retry assumes.
  const redis = connectRedis(config, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    autoResendUnfulfilledCommands: false,
  });
  redis.on('error', (err: Error) => logger.warn({ err: err.message }, 'redis connection error'));
  const store = await openStore(config.MONGO_URL, {
    serverSelectionTimeoutMS: 2000,
    queryTimeoutMS: config.STORE_QUERY_TIMEOUT_MS,
  });
  const metrics = createIngestMetrics();
  const queues = createPartitionQueues(redis, config.QUEUE_PREFIX, config.PARTITIONS);
  const committer = new GroupCommitter(queues.map(queueSink), {
    lingerMs: config.FLUSH_LINGER_MS,
    maxItems: config.FLUSH_MAX_ITEMS,
    timeoutMs: config.ENQUEUE_TIMEOUT_MS,
  });
  const backlog = new BacklogMonitor(queues, recordBacklog(metrics));

  await once(redis, 'ready');
  // One subscription for every change feed reader of this process (docs/api.md#change-feed).
  const subscriber = connectRedis(config, {
    maxRetriesPerRequest: null,
  });
  subscriber.on('error', (err: Error) =>
    logger.warn({ err: err.message }, 'redis subscriber connection error'),
  );
  const changeNotices = await ChangeNotices.subscribe(subscriber, config.QUEUE_PREFIX, redis);
  const shutdown = new AbortController();
  await claimPartitionCount(redis, config.QUEUE_PREFIX, config.PARTITIONS, (p) =>
    countPartitionJobs(redis, config.QUEUE_PREFIX, p),
  );
  await Promise.all(queues.map(limitToOneConsumer));
  // Counted once before listening: backpressure (and the gauge) hold from the first request.
  await backlog.refresh();
  // Twice a second: backpressure follows the workers' lag closely enough.
  backlog.start(500);

  const app = createApp({
    logger,
    store,
    metrics,
    committer,
    backlog,
    partitions: config.PARTITIONS,
    maxBacklog: config.MAX_BACKLOG,
    backpressureLagMs: config.BACKPRESSURE_LAG_MS,
    rateLimits: new ProjectRateLimits(config.RATE_LIMIT_PER_S, {
      holdMs: config.RATE_LIMIT_HOLD_MS,
      stopping: shutdown.signal,
      heldGauge: metrics.rateLimitHeld,
    }),
    segmentGroupType: config.SEGMENT_GROUP_TYPE,
    allowPrivateDestinations: config.DESTINATIONS_ALLOW_PRIVATE,
    queues,
    changeNotices,
    shutdown: shutdown.signal,
    adminToken: config.ADMIN_TOKEN,
    signInLimits: {
      maxFailures: config.SIGNIN_MAX_FAILURES,
      windowMs: config.SIGNIN_WINDOW_MS,
    },
    trustProxy: config.TRUST_PROXY,
    readLimits: {
      maxStreamsPerProject: config.MAX_STREAMS_PER_PROJECT,
      maxStreamsPerProcess: config.MAX_STREAMS_PER_PROCESS,
      maxExportsPerProject: config.MAX_EXPORTS_PER_PROJECT,
      storeReadsPerProject: config.STORE_READS_PER_PROJECT,
      asOfMaxHistory: config.AS_OF_MAX_HISTORY,
      feedChangesPerSecond: config.FEED_CHANGES_PER_SECOND,
      whereMsPerSecond: config.WHERE_MS_PER_SECOND,
      maxDestinationsPerProject: config.MAX_DESTINATIONS_PER_PROJECT,
    },
    lookupProject: createProjectLookup(
      (apiKey) => store.projects.forIngest(apiKey),
      config.PROJECT_CACHE_TTL_MS,
    ),
    checkReady: async () => ({
      redis: await redis.ping().then(
        () => true,
        () => false,
      ),
      mongo: await store.ping(),
    }),
  });
  const server = createServer(
    {
      // Only receiving the request is timed: a change stream or long poll, whose request is in
      // at once, is never cut by these. Timed requests are checked about every second.
      requestTimeout: config.HTTP_REQUEST_TIMEOUT_MS,
      headersTimeout: Math.min(config.HTTP_HEADERS_TIMEOUT_MS, config.HTTP_REQUEST_TIMEOUT_MS),
      keepAliveTimeout: config.KEEP_ALIVE_TIMEOUT_MS,
      connectionsCheckingInterval: 1000,
    },
    app,
  );
  // Over the cap Node closes a new connection at once, before reading anything from it.
  server.maxConnections = config.HTTP_MAX_CONNECTIONS;
  answerClientErrorsAsJson(server, metrics);
  server.listen(config.PORT, config.HOST);
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.PORT;
  let metricsServer: Server | undefined;
  const close = async (): Promise<void> => {
    shutdown.abort(); // long polls answer, change streams end: nothing holds the server open
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    await closed;
    metricsServer?.close();
    backlog.stop();
    await committer.drain();
    await changeNotices.close();
    await Promise.allSettled(queues.map((q) => q.close()));
    redis.disconnect();
    await store.close();
  };
  // Not on the public port: what the metrics tell (projects' traffic, backlogs) is the operator's.
  try {
    metricsServer =
      config.METRICS_PORT === 0
        ? undefined
        : await startMetricsServer(metrics.registry, config.METRICS_PORT, config.HOST);
  } catch (error) {
    await close(); // its port is taken: nothing of this start is left running
    throw error;
  }
  const metricsAddress = metricsServer?.address();
  const metricsPort =
    typeof metricsAddress === 'object' && metricsAddress !== null ? metricsAddress.port : undefined;
  logger.info({ port, metricsPort, partitions: config.PARTITIONS }, 'ingest listening');

  return { server, port, metricsPort, close };
}
