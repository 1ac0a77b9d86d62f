import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectionsOf, type Collections } from '@groupidentify/store/testing';
import { withDatabase } from '../helpers/ingest.js';
import { mongoUrl, redisUrl, uniqueName } from '../helpers/services.js';
import { cliJson, runCliProcess, type CliEnv } from './cli-process.js';

// `project erasure-key` (docs/operations.md): the key of the hashes that erasures leave in the
// change feed, made on first use and the same ever after.

let env: CliEnv;
let mongo: MongoClient;
let store: Collections;

beforeAll(async () => {
  env = {
    REDIS_URL: redisUrl(),
    MONGO_URL: withDatabase(mongoUrl(), uniqueName('cli')),
    QUEUE_PREFIX: uniqueName('cli'),
    PARTITIONS: '4',
  };
  mongo = await MongoClient.connect(env.MONGO_URL);
  store = collectionsOf(mongo.db());
});

afterAll(async () => {
  await mongo.db().dropDatabase();
  await mongo.close();
});

describe('project erasure-key', { timeout: 120_000 }, () => {
  it('prints the project’s key, made once and kept; an unknown project fails with a message', async () => {
    const { id } = (await cliJson(['project', 'create', '--name', 'Erasing'], env)) as {
      id: string;
    };
    const first = await runCliProcess(['project', 'erasure-key', '--project', id], env);
    expect(first.code).toBe(0);
    const key = first.stdout.trim();
    expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/); // 32 random bytes, base64url
    expect((await store.projects.findOne({ _id: id }))?.erasure_key).toBe(key);
    expect(await cliJson(['project', 'erasure-key', '--project', id, '--json'], env)).toStrictEqual(
      {
        project: id,
        erasure_key: key,
      },
    );

    const unknown = await runCliProcess(['project', 'erasure-key', '--project', 'nope'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('project nope not found');
  });
});
