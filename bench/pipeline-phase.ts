import { withDatabase } from '@groupidentify/local-services';
import { startIngestChild } from './apps.js';
import { spreadBodies } from './bodies.js';
import type { Cleanup } from './cleanup.js';
import { measureDrain, type Pipeline } from './drain.js';
import { step } from './log.js';
import { naiveDrainSeconds } from './naive-pipeline.js';
import type { BenchPlan } from './options.js';
import { partitionQueues } from './partition-queues.js';
import { peakRssMb } from './proc-memory.js';
import { storeBulkUpsertRate } from './store-baseline.js';

interface Rate {
  idsPerSec: number;
  seconds: number;
}

export interface PipelineFigures {
  scaling: (Rate & { items: number }) | undefined;
  drain1: Rate & { batchMean: number };
  store: Rate & { batchSize: number; streams: number };
  drain2: Rate;
  hot: Rate;
  naive: Rate;
  workerRssMb: number;
}

/**
 * The worker side (docs/performance.md): drains of a preloaded backlog (1 and 2 workers), L_store, one hot
 * group against the naive pipeline.
 * Every measurement writes to a fresh database, so none of them pays for another's documents.
 */
export async function measurePipeline(
  cleanup: Cleanup,
  setup: {
    redisUrl: string;
    mongoUrl: string;
    projectId: string;
    apiKey: string;
    secretKey: string;
  },
  plan: BenchPlan,
): Promise<PipelineFigures> {
  step('starting ingest for the pipeline runs');
  const ingest = await startIngestChild(cleanup, {
    redisUrl: setup.redisUrl,
    mongoUrl: withDatabase(setup.mongoUrl, 'bench'),
    queuePrefix: 'e2e',
  });
  const queues = partitionQueues(setup.redisUrl, 'e2e');
  cleanup.add('partition queues', () => queues.close());
  const pipe: Pipeline = {
    cleanup,
    redisUrl: setup.redisUrl,
    queuePrefix: 'e2e',
    ingestUrl: ingest.url,
    queues,
  };
  const server = setup.mongoUrl;
  const spread = (type: string, items: number, groups: number) =>
    spreadBodies(setup.apiKey, type, items / 100, 100, groups);
  let workerRssMb = 0;

  let scaling: PipelineFigures['scaling'];
  if (plan.scalingItems !== undefined) {
    const items = plan.scalingItems;
    const groups = (items * plan.drainGroups) / plan.drainItems; // as many per group as the drain
    const r = await measureDrain(pipe, {
      name: `drain ${items}`,
      dbUrl: withDatabase(server, 'bench_scaling'),
      bodies: spread('scaling', items, groups),
      items,
      groups,
      version: items / groups,
      workers: 1,
    });
    step(`  ${items} identifications: ${Math.round(r.idsPerSec)}/s (${r.seconds.toFixed(2)} s)`);
    scaling = { items, idsPerSec: r.idsPerSec, seconds: r.seconds };
    workerRssMb = Math.max(workerRssMb, r.workerRssMb);
  }

  const items = plan.drainItems;
  const groups = plan.drainGroups;
  const version = items / groups;
  const drain = (workers: number, db: string) =>
    measureDrain(pipe, {
      name: `drain ${items} × ${workers} worker(s)`,
      dbUrl: withDatabase(server, db),
      bodies: spread(db, items, groups),
      items,
      groups,
      version,
      workers,
    });
  const d1 = await drain(1, 'bench_w1');
  workerRssMb = Math.max(workerRssMb, d1.workerRssMb);
  step(
    `  1 worker: ${Math.round(d1.idsPerSec)}/s (${d1.seconds.toFixed(2)} s, ${d1.batchMean.toFixed(0)} per job)`,
  );

  // The store's own best: its bulk upsert in batches of 1,000 on a collection of the drain's
  // size, from one stream and from 4 concurrent ones (the worker writes from 16 partitions at
  // once); the best of these counts.
  const batchSize = 1000;
  step(`L_store: ${items} upserts over ${groups} groups, unordered bulkWrites of ${batchSize}`);
  const stores = [];
  for (const streams of [1, 4]) {
    const db = withDatabase(server, `bench_store${streams}`);
    const r = await storeBulkUpsertRate(db, items, groups, batchSize, streams);
    step(`  ${streams} stream(s): ${Math.round(r.idsPerSec)}/s (${r.seconds.toFixed(2)} s)`);
    stores.push(r);
  }
  const store = stores.reduce((a, b) => (b.idsPerSec > a.idsPerSec ? b : a));

  const d2 = await drain(2, 'bench_w2');
  workerRssMb = Math.max(workerRssMb, d2.workerRssMb);
  step(`  2 workers: ${Math.round(d2.idsPerSec)}/s (${d2.seconds.toFixed(2)} s)`);

  const hotItems = plan.hotItems;
  const hot = await measureDrain(pipe, {
    name: `hot group ${hotItems}`,
    dbUrl: withDatabase(server, 'bench_hot'),
    bodies: spread('hot', hotItems, 1),
    items: hotItems,
    groups: 1,
    version: hotItems,
    workers: 1,
    keepWorkers: true,
  });
  step(`  pipeline: ${Math.round(hot.idsPerSec)}/s (${hot.seconds.toFixed(2)} s)`);
  step(`naive pipeline: ${hotItems} jobs, one updateOne each`);
  const naiveSeconds = await naiveDrainSeconds(
    setup.redisUrl,
    withDatabase(server, 'bench_naive'),
    hotItems,
  );
  step(`  naive: ${Math.round(hotItems / naiveSeconds)}/s (${naiveSeconds.toFixed(2)} s)`);

  for (const w of hot.workers) {
    workerRssMb = Math.max(workerRssMb, peakRssMb(w.pid) ?? 0);
    await w.stop();
  }
  await ingest.stop();
  return {
    scaling,
    drain1: { idsPerSec: d1.idsPerSec, seconds: d1.seconds, batchMean: d1.batchMean },
    store: { ...store, batchSize },
    drain2: { idsPerSec: d2.idsPerSec, seconds: d2.seconds },
    hot: { idsPerSec: hot.idsPerSec, seconds: hot.seconds },
    naive: { idsPerSec: hotItems / naiveSeconds, seconds: naiveSeconds },
    workerRssMb,
  };
}
