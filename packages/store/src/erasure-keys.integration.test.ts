import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { uniqueName, withDatabase } from '@groupidentify/local-services';
import { collectionsOf, type Collections } from './collections.js';
import { erasureKeys } from './erasure-keys.js';

// A project's erasure key is made once, whoever asks for it first: workers of every partition
// make their first erasures at the same time, and each must hash with the one key that stays.
let client: MongoClient;
let c: Collections;

beforeAll(async () => {
  client = await MongoClient.connect(withDatabase(inject('mongoUrl'), uniqueName('erasure_keys')));
  c = collectionsOf(client.db());
});

afterAll(async () => {
  await client.db().dropDatabase();
  await client.close();
});

describe('erasureKeys', () => {
  it('gives every racing caller the one key the project keeps', async () => {
    for (let round = 0; round < 5; round++) {
      const project = `p${round}`;
      await c.projects.insertOne({
        _id: project,
        name: project,
        api_key: `a${round}`,
        secret_key_hash: 'x',
        created_at: new Date(),
      });
      // Each caller as a separate process would be: its own cache.
      const keys = await Promise.all(
        Array.from({ length: 24 }, () => erasureKeys(c).keyOf(project)),
      );
      const kept = (await c.projects.findOne({ _id: project }))?.erasure_key;
      expect(kept).toMatch(/^[\w-]{43}$/);
      expect(new Set(keys)).toStrictEqual(new Set([kept]));
    }
  });
});
