import { MongoClient, type AnyBulkWriteOperation } from 'mongodb';

interface Doc {
  _id: string;
  n?: number;
}

export interface StoreBaseline {
  idsPerSec: number;
  seconds: number;
}

/**
 * L_store (SPEC §8): the MongoDB-wire server's own bulk upsert rate. `items` ordered `bulkWrite`s
 * of `updateOne` upserts setting one field, `batchSize` per call, item i to group i mod `groups`
 * (ids shaped like the worker's group ids), into a fresh collection, `streams` calls at a time.
 */
export async function storeBulkUpsertRate(
  dbUrl: string,
  items: number,
  groups: number,
  batchSize: number,
  streams = 1,
): Promise<StoreBaseline> {
  const client = new MongoClient(dbUrl);
  try {
    const collection = client.db().collection<Doc>('upserts');
    await collection.drop().catch(() => undefined);
    await client.db().createCollection('upserts');
    const batches: AnyBulkWriteOperation<Doc>[][] = [];
    for (let start = 0; start < items; start += batchSize) {
      const end = Math.min(items, start + batchSize);
      batches.push(
        Array.from({ length: end - start }, (_, k) => ({
          updateOne: {
            filter: { _id: JSON.stringify(['bench', 'store', `g${(start + k) % groups}`]) },
            update: { $set: { n: start + k } },
            upsert: true,
          },
        })),
      );
    }
    const started = performance.now();
    let next = 0;
    const lane = async () => {
      for (let b = next++; b < batches.length; b = next++)
        await collection.bulkWrite(batches[b] ?? [], { ordered: true });
    };
    await Promise.all(Array.from({ length: streams }, lane));
    const seconds = (performance.now() - started) / 1000;
    const count = await collection.countDocuments();
    if (count !== groups) throw new Error(`L_store: ${count} documents, expected ${groups}`);
    return { idsPerSec: items / seconds, seconds };
  } finally {
    await client.close();
  }
}
