import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { MongoClient, type Db } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMongo, type MongoServer } from './mongo-server.js';
import { pollUntil } from './poll.js';
import { postgresBinDir } from './postgres-server.js';

// Every group read and every guarded group write filters on `_id`. FerretDB v1.24.2 never used its
// `_id_` index for them (PostgreSQL: `_jsonb->$1 @> $2` where the btree indexes `_jsonb->'_id'`;
// SQLite: `->'$._id'` where the index is on `->"_id"`; `$in` not pushed down at all), so each was a
// scan of the whole collection and the cost per identification grew with the number of groups.
// scripts/ferretdb/0002-serve-id-filters-from-the-id-index.patch fixes that; these tests read the
// SQL plans (and PostgreSQL's index statistics for updates, which `explain` does not cover).
const dir = mkdtempSync(join(tmpdir(), 'groupidentify-id-index-'));
const DOCS = 2_000;

interface Doc {
  _id: string;
  version: number;
}

const idOf = (i: number): string => JSON.stringify(['p', 'org', String(i)]);

describe.each(['postgresql', 'sqlite'] as const)('FerretDB on %s', (backend) => {
  let mongo: MongoServer;
  let client: MongoClient;
  let db: Db;

  beforeAll(async () => {
    const env = { ...process.env, PATH: '' }; // FerretDB even where mongod is installed
    mongo = await startMongo({ dir: join(dir, backend), ferretdbBackend: backend, env });
    client = await MongoClient.connect(mongo.url, { serverSelectionTimeoutMS: 10_000 });
    db = client.db('idx');
    await db
      .collection<Doc>('groups')
      .insertMany(Array.from({ length: DOCS }, (_, i) => ({ _id: idOf(i), version: 1 })));
  });

  afterAll(async () => {
    await client.close();
    await mongo.stop();
  });

  const plan = async (filter: object): Promise<string> => {
    const explained = await db.command({ explain: { find: 'groups', filter } });
    return JSON.stringify(explained['queryPlanner']);
  };

  it('serves an _id equality, alone or beside other conditions, from the _id index', async () => {
    for (const filter of [
      { _id: idOf(7) },
      { _id: idOf(7), version: 1 },
      { _id: { $eq: idOf(7) } },
    ])
      expect(await plan(filter)).toMatch(usesIdIndex[backend]);
    const docs = db.collection<Doc>('groups');
    expect(await docs.findOne({ _id: idOf(7), version: 1 })).toEqual({ _id: idOf(7), version: 1 });
    expect(await docs.findOne({ _id: idOf(7), version: 2 })).toBeNull(); // the rest still applies
  });

  it('serves _id $in from the _id index and returns exactly the documents named', async () => {
    const ids = [idOf(3), idOf(1999), 'missing'];
    expect(await plan({ _id: { $in: ids } })).toMatch(usesIdIndex[backend]);
    const found = await db
      .collection<Doc>('groups')
      .find({ _id: { $in: ids } })
      .toArray();
    expect(found.map((d) => d._id).sort()).toEqual([idOf(1999), idOf(3)].sort());
  });

  it('still scans for a filter without _id (the plan reading above can fail)', async () => {
    expect(await plan({ version: 1 })).not.toMatch(usesIdIndex[backend]);
  });
});

describe('FerretDB on postgresql, guarded updates', () => {
  it('read their document through the _id index, not by scanning the table', async () => {
    const env = { ...process.env, PATH: '' };
    const mongo = await startMongo({
      dir: join(dir, 'updates'),
      ferretdbBackend: 'postgresql',
      env,
    });
    const client = await MongoClient.connect(mongo.url, { serverSelectionTimeoutMS: 10_000 });
    try {
      const docs = client.db('idx').collection<Doc>('groups');
      await docs.insertMany(Array.from({ length: DOCS }, (_, i) => ({ _id: idOf(i), version: 1 })));
      const before = await tableStats(mongo);
      const updates = 50;
      for (let i = 0; i < updates; i++) {
        const result = await docs.updateOne(
          { _id: idOf(i), version: 1 },
          { $set: { version: 2 } },
          { upsert: true },
        );
        expect(result.modifiedCount).toBe(1);
      }
      // PostgreSQL publishes a connection's statistics some time after its transactions.
      const after = await pollUntil(
        async () => {
          const s = await tableStats(mongo);
          return s.idxScan - before.idxScan >= updates ? s : undefined;
        },
        { timeoutMs: 30_000, description: 'the updates’ index scans to be counted' },
      );
      // Unpatched, every one of them scans the table; a stray scan of FerretDB's own is allowed.
      expect(after.seqScan - before.seqScan).toBeLessThan(updates / 10);
    } finally {
      await client.close();
      await mongo.stop();
    }
  });
});

const usesIdIndex = {
  postgresql: /"Index Name":"[^"]*__id__[^"]*"/,
  sqlite: /USING INDEX \S+__id_ /,
};

const run = promisify(execFile);

/** Index and sequential scans of the `idx.groups` table, from PostgreSQL's statistics. */
async function tableStats(mongo: MongoServer): Promise<{ idxScan: number; seqScan: number }> {
  const url = new URL(mongo.postgres?.url ?? '');
  const sql =
    "SELECT coalesce(idx_scan, 0) || ' ' || seq_scan FROM pg_stat_user_tables " +
    "WHERE schemaname = 'idx' AND relname LIKE 'groups\\_%'";
  const { stdout } = await run(join(postgresBinDir(), 'psql'), [
    ...['-h', url.hostname, '-p', url.port, '-U', 'postgres', '-d', 'postgres', '-Atc', sql],
  ]);
  const [idxScan, seqScan] = stdout.trim().split(' ').map(Number);
  return { idxScan: idxScan ?? NaN, seqScan: seqScan ?? NaN };
}

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});
