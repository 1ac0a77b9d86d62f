import { randomBytes } from 'node:crypto';
import type { Job, Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { MongoClient } from 'mongodb';
import { openStore, type Store } from '@groupidentify/store';
import { collectionsOf, type Collections } from '@groupidentify/store/testing';
import { pino } from 'pino';
import {
  loadConfig,
  startIngest,
  type IngestConfig,
  type IngestService,
} from '@groupidentify/ingest';
import {
  openPartitionQueue,
  type JobPayload,
  isDeletion,
  type QueuedIdentification,
} from '@groupidentify/queue-contract';
import { freePort, withDatabase } from '@groupidentify/local-services';
import { mongoUrl, redisUrl, uniqueName } from './services.js';

export { withDatabase } from '@groupidentify/local-services';

export interface TestIngest {
  url: string;
  /** Its `/metrics`, on the metrics port (not the public one); undefined with METRICS_PORT=0. */
  metricsUrl: string | undefined;
  apiKey: string;
  projectId: string;
  config: IngestConfig;
  service: IngestService;
  mongo: MongoClient;
  /** The test's database through the store's own functions. */
  store: Store;
  /** Its collections as stored, to inspect or stage documents. */
  raw: Collections;
  /** The test project's secret key (read API). */
  secretKey: string;
  /** Adds another project; returns its keys. */
  addProject(): Promise<{ id: string; apiKey: string; secretKey: string }>;
  /** A partition's queue, on the helper's own connection (to pause it, say). */
  queue(partition: number): Queue<JobPayload>;
  /** All queued jobs of a partition, oldest first. */
  jobs(partition: number): Promise<Job<JobPayload>[]>;
  /** All queued identifications of a partition, in queue order (erasures left out). */
  items(partition: number): Promise<QueuedIdentification[]>;
  close(): Promise<void>;
}

/**
 * Starts ingest; when the metrics port picked for it was taken meanwhile (another process's
 * outgoing connection can get any free port), again on another one.
 */
async function startOnFreeMetricsPort(
  config: IngestConfig,
  env: Record<string, string>,
): Promise<IngestService> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startIngest(config, pino({ level: 'silent' }));
    } catch (error) {
      const taken = (error as NodeJS.ErrnoException).code === 'EADDRINUSE';
      if (!taken || env['METRICS_PORT'] !== undefined || attempt >= 5) throw error;
      config.METRICS_PORT = await freePort();
    }
  }
}

/**
 * An ingest app in-process on a free port, with real Redis and MongoDB, its own database and
 * queue prefix, and one project. `env` overrides configuration (as environment strings).
 */
export async function startTestIngest(env: Record<string, string> = {}): Promise<TestIngest> {
  const config = loadConfig({
    REDIS_URL: redisUrl(),
    MONGO_URL: withDatabase(mongoUrl(), uniqueName('ingest')),
    PORT: '0',
    HOST: '127.0.0.1',
    QUEUE_PREFIX: uniqueName('gi'),
    PARTITIONS: '4',
    LOG_LEVEL: 'silent',
    // Tests build backlogs on purpose (paused queues, no worker): backpressure, tested on its own
    // (test/ingest/backpressure.test.ts), would only slow them down.
    BACKPRESSURE_LAG_MS: '0',
    // Every test client is 127.0.0.1, and auth tests sign in wrongly on purpose: the slowing of
    // failed sign-ins, tested on its own (test/read-api/failed-sign-ins.test.ts), would get in
    // the way.
    SIGNIN_MAX_FAILURES: '1000000',
    METRICS_PORT: String(await freePort()),
    ...env,
  });
  const mongo = await MongoClient.connect(config.MONGO_URL);
  const store = await openStore(config.MONGO_URL);
  const addProject = async (): Promise<{ id: string; apiKey: string; secretKey: string }> => {
    const p = await store.projects.create(`test ${randomBytes(4).toString('hex')}`);
    return { id: p.id, apiKey: p.api_key, secretKey: p.secret_key };
  };
  const project = await addProject();
  const service = await startOnFreeMetricsPort(config, env);
  const inspector = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
  inspector.on('error', () => undefined); // outage tests stop Redis on purpose
  const queues = Array.from({ length: config.PARTITIONS }, (_, p) =>
    openPartitionQueue(inspector, config.QUEUE_PREFIX, p),
  );
  const queueOf = (partition: number): Queue<JobPayload> => {
    const queue = queues[partition];
    if (queue === undefined) throw new RangeError(`no partition ${partition}`);
    return queue;
  };
  const jobs = async (partition: number): Promise<Job<JobPayload>[]> => {
    const queue = queues[partition];
    if (queue === undefined) throw new RangeError(`no partition ${partition}`);
    const all = await queue.getJobs(['wait', 'active', 'delayed', 'prioritized']);
    return all.sort((a, b) => Number(a.id) - Number(b.id));
  };
  return {
    url: `http://127.0.0.1:${service.port}`,
    metricsUrl:
      service.metricsPort === undefined
        ? undefined
        : `http://127.0.0.1:${service.metricsPort}/metrics`,
    apiKey: project.apiKey,
    secretKey: project.secretKey,
    projectId: project.id,
    config,
    service,
    mongo,
    store,
    queue: queueOf,
    raw: collectionsOf(mongo.db()),
    addProject,
    jobs,
    items: async (partition) =>
      (await jobs(partition))
        .flatMap((job) => job.data.items)
        .filter((item): item is QueuedIdentification => !isDeletion(item)),
    async close() {
      await service.close();
      await Promise.all(queues.map((q) => q.obliterate({ force: true })));
      await Promise.all(queues.map((q) => q.close()));
      inspector.disconnect();
      await mongo.db().dropDatabase();
      await store.close();
      await mongo.close();
    },
  };
}
