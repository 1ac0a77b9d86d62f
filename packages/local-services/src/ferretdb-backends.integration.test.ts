import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient, type AnyBulkWriteOperation } from 'mongodb';
import { afterAll, describe, expect, it } from 'vitest';
import { startMongo, type MongoServer } from './mongo-server.js';

// The worker writes a job's groups with one unordered bulkWrite of guarded updates: one `update`
// command of many statements. FerretDB v1.24.2 kept every matched statement's query (and its
// pooled SQL connection) open until the end of the command, so a command with more matched
// statements than its pool (SQLite: 100 per database, PostgreSQL: 50) waited forever.
// scripts/ferretdb/0001-close-each-update-statement-query.patch closes each one; without it
// these tests time out. They also prove the PostgreSQL backend the benchmark uses starts,
// applies guarded updates and keeps its data across a restart.
const dir = mkdtempSync(join(tmpdir(), 'groupidentify-ferretdb-'));
const servers: MongoServer[] = [];

afterAll(async () => {
  await Promise.allSettled(servers.map((s) => s.stop()));
  rmSync(dir, { recursive: true, force: true });
});

const STATEMENTS = 250;

interface Doc {
  _id: string;
  version: number;
}

async function guardedUpdatesInOneCommand(url: string): Promise<void> {
  const client = await MongoClient.connect(url, { serverSelectionTimeoutMS: 10_000 });
  try {
    const docs = client.db('pool').collection<Doc>('docs');
    const ids = Array.from({ length: STATEMENTS }, (_, i) => `g${i}`);
    await docs.insertMany(ids.map((_id) => ({ _id, version: 1 })));
    const ops: AnyBulkWriteOperation<Doc>[] = ids.map((_id) => ({
      updateOne: { filter: { _id, version: 1 }, update: { $set: { version: 2 } }, upsert: true },
    }));
    const result = await docs.bulkWrite(ops, { ordered: false });
    expect(result.matchedCount).toBe(STATEMENTS);
    expect(await docs.countDocuments({ version: 2 })).toBe(STATEMENTS);
  } finally {
    await client.close();
  }
}

describe.each(['sqlite', 'postgresql'] as const)('FerretDB on %s', (backend) => {
  it(
    `applies ${STATEMENTS} matched guarded updates sent as one command, and restarts with its data`,
    { timeout: 60_000 },
    async () => {
      // An empty PATH for the mongod lookup: FerretDB even where mongod is installed.
      const env = { ...process.env, PATH: '' };
      const mongo = await startMongo({ dir: join(dir, backend), ferretdbBackend: backend, env });
      servers.push(mongo);
      expect(mongo.kind).toBe(`ferretdb-${backend}`);
      await guardedUpdatesInOneCommand(mongo.url);

      await mongo.restart();
      const client = await MongoClient.connect(mongo.url, { serverSelectionTimeoutMS: 10_000 });
      try {
        const docs = client.db('pool').collection<Doc>('docs');
        expect(await docs.countDocuments({ version: 2 })).toBe(STATEMENTS);
      } finally {
        await client.close();
      }
    },
  );
});
