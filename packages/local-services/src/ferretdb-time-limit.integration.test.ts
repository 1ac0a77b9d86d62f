import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient, type Collection } from 'mongodb';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startMongo, type MongoServer } from './mongo-server.js';

// A read's `maxTimeMS` that ran out while FerretDB v1.24.2 was still filling the first batch
// returned the documents read so far as the whole answer (cursor id 0, no error): an export, a
// list page or a count cut short without a word. scripts/ferretdb/0009-time-limit-never-cuts-a-
// batch-short.patch makes that batch fail with MaxTimeMSExpired (code 50), as MongoDB does.
//
// When the limit runs out depends on the machine, so the test sweeps limits from a twentieth of
// a full read to more than one: each read must fail or return every document. Unpatched, several
// limits of every sweep returned a short array. (A limit that runs out after the first batch makes
// the next getMore fail with CursorNotFound, code 43, where MongoDB says 50: an error all the same.
// The patch is in the handler both backends share; PostgreSQL, the default, is tested.)
const dir = mkdtempSync(join(tmpdir(), 'groupidentify-time-limit-'));
const DOCS = 30_000;

let mongo: MongoServer;
let client: MongoClient;
let docs: Collection;

beforeAll(async () => {
  const env = { ...process.env, PATH: '' }; // FerretDB even where mongod is installed
  mongo = await startMongo({ dir, ferretdbBackend: 'postgresql', env });
  client = await MongoClient.connect(mongo.url, { serverSelectionTimeoutMS: 10_000 });
  docs = client.db('time_limit').collection('groups');
  const properties = Object.fromEntries(
    Array.from({ length: 20 }, (_, i) => [`p${i}`, `value ${i}`]),
  );
  for (let at = 0; at < DOCS; at += 5_000) {
    await docs.insertMany(
      Array.from({ length: 5_000 }, (_, i) => ({ n: at + i, properties })),
      { ordered: false },
    );
  }
}, 120_000);

afterAll(async () => {
  await client.close();
  await mongo.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** How many documents a read returned, or the code it failed with. */
const outcome = (read: Promise<unknown[]>) =>
  read.then(
    (all) => ({ returned: all.length }),
    (error: unknown) => ({ failed: (error as { code?: unknown }).code }),
  );

it('a read stopped by maxTimeMS fails; it never returns part of its answer', async () => {
  const started = Date.now();
  expect(await docs.find({}).sort({ _id: 1 }).batchSize(DOCS).toArray()).toHaveLength(DOCS);
  const fullRead = Date.now() - started;

  const outcomes = [];
  for (
    let limit = Math.ceil(fullRead / 20);
    limit < fullRead * 1.2;
    limit = Math.ceil(limit * 1.25)
  ) {
    const find = await outcome(
      docs.find({}, { maxTimeMS: limit }).sort({ _id: 1 }).batchSize(DOCS).toArray(),
    );
    const aggregate = await outcome(
      docs
        .aggregate([{ $match: {} }, { $sort: { _id: 1 } }], { maxTimeMS: limit, batchSize: DOCS })
        .toArray(),
    );
    outcomes.push({ limit, find, aggregate });
  }
  const allowed = [{ returned: DOCS }, { failed: 50 }, { failed: 43 }];
  for (const o of outcomes) {
    expect(allowed, JSON.stringify(o)).toContainEqual(o.find);
    expect(allowed, JSON.stringify(o)).toContainEqual(o.aggregate);
  }
  // The sweep reached both ends: limits too short to finish, and long enough.
  expect(outcomes.some((o) => 'failed' in o.find)).toBe(true);
  expect(outcomes.some((o) => 'returned' in o.find)).toBe(true);
}, 180_000);
