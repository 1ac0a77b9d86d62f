import { MongoClient, MongoServerError, type Collection } from 'mongodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { uniqueName } from '@groupidentify/local-services';

// The store operations the worker relies on (docs/guarantees.md), against the real wire server: classic
// operators only, ordered bulkWrite, and E11000 on a duplicate _id (redelivery dedup).
interface Doc {
  _id: string;
  n?: number;
  name?: string;
  tags?: string[];
  gone?: boolean;
}

const dbName = uniqueName('smoke_mongo');
let client: MongoClient;
let docs: Collection<Doc>;

beforeAll(async () => {
  client = await MongoClient.connect(inject('mongoUrl'));
  docs = client.db(dbName).collection<Doc>('docs');
});

afterAll(async () => {
  await client.db(dbName).dropDatabase();
  await client.close();
});

describe('mongodb driver against the local wire server', () => {
  it('inserts and finds', async () => {
    await docs.insertOne({ _id: 'a', n: 1, tags: ['x'] });
    expect(await docs.find({ _id: { $in: ['a', 'missing'] } }).toArray()).toEqual([
      { _id: 'a', n: 1, tags: ['x'] },
    ]);
  });

  it('upserts with $set, $inc, $push $each and $unset', async () => {
    const first = await docs.updateOne(
      { _id: 'b' },
      { $set: { name: 'one', gone: true }, $inc: { n: 2 }, $push: { tags: { $each: ['p', 'q'] } } },
      { upsert: true },
    );
    expect(first.upsertedId).toBe('b');
    await docs.updateOne(
      { _id: 'b' },
      { $unset: { gone: '' }, $inc: { n: 3 }, $push: { tags: { $each: ['r'] } } },
    );
    expect(await docs.findOne({ _id: 'b' })).toEqual({
      _id: 'b',
      name: 'one',
      n: 5,
      tags: ['p', 'q', 'r'],
    });
  });

  it('applies an ordered bulkWrite in order', async () => {
    const result = await docs.bulkWrite(
      [
        { updateOne: { filter: { _id: 'c' }, update: { $set: { n: 1 } }, upsert: true } },
        { updateOne: { filter: { _id: 'c', n: 1 }, update: { $inc: { n: 10 } } } },
        { updateOne: { filter: { _id: 'c', n: 1 }, update: { $inc: { n: 100 } } } },
      ],
      { ordered: true },
    );
    expect(result.upsertedCount).toBe(1);
    expect(result.modifiedCount).toBe(1);
    expect(await docs.findOne({ _id: 'c' })).toEqual({ _id: 'c', n: 11 });
  });

  it('reports a duplicate _id as E11000 (code 11000)', async () => {
    await docs.insertOne({ _id: 'd' });
    const error: unknown = await docs.insertOne({ _id: 'd' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MongoServerError);
    expect((error as MongoServerError).code).toBe(11000);
    expect((error as MongoServerError).message).toMatch(/E11000/);
  });
});
