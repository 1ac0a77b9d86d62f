import { MongoClient, type AnyBulkWriteOperation } from 'mongodb';

interface Doc {
  _id: string;
  n?: number;
}

export interface StoreBaseline {
  idsPerSec: number;
  seconds: number;
  /** Concurrent bulk writes it took (each on its own share of the documents). */
  streams: number;
}

/**
 * L_store: the MongoDB-wire server's own bulk upsert rate. `items` `updateOne` upserts setting one
 * field, item i to document i mod `groups` (ids shaped like the worker's group ids), into a fresh
 * collection, in unordered `bulkWrite`s of `batchSize`; `streams` such writes at a time, each on
 * its own documents (no two writes race on one document).
 */
export async function storeBulkUpsertRate(
  dbUrl: string,
  items: number,
  groups: number,
  batchSize: number,
  streams: number,
): Promise<StoreBaseline> {
  const client = new MongoClient(dbUrl);
  try {
    const collection = client.db().collection<Doc>('upserts');
    await collection.drop().catch(() => undefined);
    await client.db().createCollection('upserts');
    const lanes: AnyBulkWriteOperation<Doc>[][][] = Array.from({ length: streams }, () => []);
    const open: AnyBulkWriteOperation<Doc>[][] = Array.from({ length: streams }, () => []);
    for (let i = 0; i < items; i++) {
      const group = i % groups;
      const lane = group % streams;
      const batch = open[lane] as AnyBulkWriteOperation<Doc>[];
      batch.push({
        updateOne: {
          filter: { _id: JSON.stringify(['bench', 'store', `g${group}`]) },
          update: { $set: { n: i } },
          upsert: true,
        },
      });
      if (batch.length === batchSize) {
        lanes[lane]?.push(batch);
        open[lane] = [];
      }
    }
    open.forEach((batch, lane) => {
      if (batch.length > 0) lanes[lane]?.push(batch);
    });
    const started = performance.now();
    await Promise.all(
      lanes.map(async (batches) => {
        for (const batch of batches) await collection.bulkWrite(batch, { ordered: false });
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const count = await collection.countDocuments();
    if (count !== groups) throw new Error(`L_store: ${count} documents, expected ${groups}`);
    return { idsPerSec: items / seconds, seconds, streams };
  } finally {
    await client.close();
  }
}
