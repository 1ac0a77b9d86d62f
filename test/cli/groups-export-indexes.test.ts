import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonObject } from '@groupidentify/ops';
import { openStore, type Store } from '@groupidentify/store';
import { collectionsOf, storedGroup, type Collections } from '@groupidentify/store/testing';
import { withDatabase } from '../helpers/ingest.js';
import { mongoUrl, redisUrl, uniqueName } from '../helpers/services.js';
import { cliJson, runCliProcess, type CliEnv } from './cli-process.js';

// `groups export` (docs/api.md#export, as GET /api/export) and `indexes create|list|drop`
// (docs/api.md#finding-groups-by-property), each run as a real CLI process.
let env: CliEnv;
let mongo: MongoClient;
let raw: Collections;
let store: Store;
let project: string;

beforeAll(async () => {
  env = {
    REDIS_URL: redisUrl(),
    MONGO_URL: withDatabase(mongoUrl(), uniqueName('cli_export')),
    QUEUE_PREFIX: uniqueName('cli'),
    PARTITIONS: '4',
  };
  mongo = await MongoClient.connect(env.MONGO_URL);
  raw = collectionsOf(mongo.db());
  store = await openStore(env.MONGO_URL);
  project = (await store.projects.create('cli export')).id;
  const now = new Date();
  const groups: [string, JsonObject][] = [
    ['acme', { plan: 'pro', seats: 12 }],
    ['globex', { plan: 'free', seats: 3 }],
    ['initech', { plan: 'pro', seats: 40 }],
  ];
  await raw.groups.insertMany(
    groups.map(([value, properties]) =>
      storedGroup({ project, group_type: 'org', group_value: value }, properties, now),
    ),
  );
});

afterAll(async () => {
  await mongo.db().dropDatabase();
  await mongo.close();
  await store.close();
});

const SLOW = { timeout: 120_000 };
const ndjson = (text: string) =>
  text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as { group_value: string; properties: JsonObject });

describe('groups export', SLOW, () => {
  it('writes the groups as NDJSON to stdout, in the GET shape, and reports on stderr', async () => {
    const run = await runCliProcess(
      ['groups', 'export', '--project', project, '--type', 'org'],
      env,
    );
    expect(run.code).toBe(0);
    const exported = ndjson(run.stdout);
    expect(exported.map((g) => g.group_value)).toStrictEqual(['acme', 'globex', 'initech']);
    expect(exported[0]).toStrictEqual(
      await store.groups.view({ project, group_type: 'org', group_value: 'acme' }),
    );
    expect(run.stderr).toContain(`exporting the groups of project ${project} of type org`);
    expect(run.stderr).toMatch(/exported 3 groups in \d+\.\d s/);
  });

  it('filters with --where, and takes --as-of', async () => {
    const pro = await runCliProcess(
      ['groups', 'export', '--project', project, '--where', '{"plan":"pro","seats":{"$gt":20}}'],
      env,
    );
    expect(ndjson(pro.stdout).map((g) => g.group_value)).toStrictEqual(['initech']);
    // Planted groups have no history to rewind; an instant after them shows them as they are
    // (rewinding itself is tested through GET /api/export, which runs the same store code).
    const later = new Date(Date.now() + 3_600_000).toISOString();
    const asOf = await runCliProcess(
      ['groups', 'export', '--project', project, '--as-of', later, '--where', '{"plan":"free"}'],
      env,
    );
    expect(asOf.code).toBe(0);
    expect(ndjson(asOf.stdout).map((g) => g.group_value)).toStrictEqual(['globex']);
    expect(asOf.stderr).toContain(`as of ${later}`);
  });

  it('refuses a bad --where or --as-of (exit 2), and an unknown project (exit 1)', async () => {
    const where = await runCliProcess(
      ['groups', 'export', '--project', project, '--where', '{"$where":"1"}'],
      env,
    );
    expect(where.code).toBe(2);
    expect(where.stderr).toContain('--where: $where is a query operator');
    const asOf = await runCliProcess(
      ['groups', 'export', '--project', project, '--as-of', 'yesterday'],
      env,
    );
    expect(asOf.code).toBe(2);
    expect(asOf.stderr).toContain('--as-of must be an ISO-8601 date-time');
    const ghost = await runCliProcess(['groups', 'export', '--project', 'ghost'], env);
    expect(ghost.code).toBe(1);
    expect(ghost.stderr).toContain('project ghost not found');
    expect(ghost.stdout).toBe('');
  });
});

describe('indexes', SLOW, () => {
  it('creates, lists and drops a property index, with the server index behind it', async () => {
    const created = (await cliJson(
      ['indexes', 'create', '--project', project, '--type', 'org', '--property', 'a.b', '--json'],
      env,
    )) as { name: string; property: string };
    expect(created).toMatchObject({ project, group_type: 'org', property: 'a.b' });
    expect((await raw.groups.indexes()).map((i) => i.name)).toContain(created.name);

    const table = await runCliProcess(['indexes', 'list', '--project', project], env);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^PROJECT\s+TYPE\s+PROPERTY\s+INDEX\s+CREATED_AT/);
    expect(table.stdout).toContain(`${project}  org   a.b`);

    expect(
      await cliJson(
        ['indexes', 'drop', '--project', project, '--type', 'org', '--property', 'a.b', '--json'],
        env,
      ),
    ).toStrictEqual({ dropped: true });
    expect((await raw.groups.indexes()).map((i) => i.name)).not.toContain(created.name);
    const none = await runCliProcess(['indexes', 'list', '--project', project], env);
    expect(none.stdout.trim()).toBe('no property indexes');
    const missing = await runCliProcess(['indexes', 'create', '--project', project], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('indexes create needs --type <type>');
  });
});
