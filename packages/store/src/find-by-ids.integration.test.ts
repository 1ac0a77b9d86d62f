import { MongoClient, type Collection } from 'mongodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { uniqueName, withDatabase } from '@groupidentify/local-services';
import { findByIds } from './collections.js';

// Reading many documents by _id in one `$in` query on the real wire server.
interface Doc {
  _id: string;
  n: number;
}

let client: MongoClient;
let docs: Collection<Doc>;

beforeAll(async () => {
  client = await MongoClient.connect(withDatabase(inject('mongoUrl'), uniqueName('find_by_ids')));
  docs = client.db().collection<Doc>('docs');
  await docs.insertMany(Array.from({ length: 50 }, (_, n) => ({ _id: `d${n}`, n })));
});

afterAll(async () => {
  await client.db().dropDatabase();
  await client.close();
});

const byN = (a: Doc, b: Doc) => a.n - b.n;

describe('findByIds', () => {
  it('returns the documents that exist, once each, and nothing for unknown ids', async () => {
    const found = await findByIds(docs, ['d3', 'missing', 'd0', 'd3', 'd49', 'd.0', '']);
    expect(found.sort(byN)).toEqual([
      { _id: 'd0', n: 0 },
      { _id: 'd3', n: 3 },
      { _id: 'd49', n: 49 },
    ]);
  });

  it('reads many ids, repeated, each document once', async () => {
    const ids = Array.from({ length: 120 }, (_, n) => `d${n % 60}`);
    const found = await findByIds(docs, ids);
    expect(found.sort(byN)).toEqual(Array.from({ length: 50 }, (_, n) => ({ _id: `d${n}`, n })));
  });

  it('reads nothing for no ids', async () => {
    expect(await findByIds(docs, [])).toEqual([]);
  });
});
