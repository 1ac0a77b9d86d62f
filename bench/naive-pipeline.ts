import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { MongoClient } from 'mongodb';

interface NaiveJob {
  group: string;
  n: number;
}

interface Doc {
  _id: string;
  version?: number;
}

/**
 * The naive pipeline of docs/performance.md: one BullMQ job per identification and one `updateOne` per job
 * (a plain `$set` of the properties and `$inc` of the version), one consumer at concurrency 1 as
 * per-group order requires. `items` jobs for one group are enqueued first (untimed); the drain
 * is timed from the worker's start to the last job's completion.
 */
export async function naiveDrainSeconds(
  redisUrl: string,
  dbUrl: string,
  items: number,
): Promise<number> {
  const prefix = '{naive}';
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const workerConnection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const client = new MongoClient(dbUrl);
  const queue = new Queue<NaiveJob>('naive', { connection, prefix });
  let worker: Worker<NaiveJob> | undefined;
  try {
    const groups = client.db().collection<Doc>('groups');
    for (let start = 0; start < items; start += 1000) {
      const jobs = Array.from({ length: Math.min(1000, items - start) }, (_, k) => ({
        name: 'identify',
        data: { group: 'hot', n: start + k },
        opts: { removeOnComplete: true },
      }));
      await queue.addBulk(jobs);
    }
    await client.connect();
    let completed = 0;
    const w = new Worker<NaiveJob>(
      'naive',
      async (job) => {
        await groups.updateOne(
          { _id: job.data.group },
          { $set: { plan: 'enterprise', n: job.data.n }, $inc: { version: 1 } },
          { upsert: true },
        );
      },
      { connection: workerConnection, prefix, concurrency: 1, autorun: false },
    );
    worker = w;
    const started = performance.now();
    await new Promise<void>((resolve, reject) => {
      w.on('completed', () => {
        if (++completed === items) resolve();
      });
      w.on('failed', (_job, error) => reject(error));
      w.run().catch(reject);
    });
    const seconds = (performance.now() - started) / 1000;
    const doc = await groups.findOne({ _id: 'hot' });
    if (doc?.version !== items)
      throw new Error(`naive: version ${doc?.version}, expected ${items}`);
    return seconds;
  } finally {
    await worker?.close();
    await queue.close();
    connection.disconnect();
    workerConnection.disconnect();
    await client.close();
  }
}
