import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { MongoClient } from 'mongodb';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { groupId, type JsonObject, type JsonValue } from '@groupidentify/ops';
import {
  openPartitionQueue,
  partitionOf,
  type JobPayload,
  type QueuedItem,
} from '@groupidentify/queue-contract';
import type { DeadLetterDocument } from '@groupidentify/store';
import {
  collectionsOf,
  encodeProperties,
  encodeValue,
  secretMatches,
  type Collections,
} from '@groupidentify/store/testing';
import { loadConfig, startWorker } from '@groupidentify/worker';
import { withDatabase } from '../helpers/ingest.js';
import { mongoUrl, pollUntil, redisUrl, uniqueName } from '../helpers/services.js';
import { cliJson, runCliProcess, type CliEnv } from './cli-process.js';

const PARTITIONS = 4;
let env: CliEnv;
let mongo: MongoClient;
let store: Collections;
let redis: Redis;
let queues: Queue<JobPayload>[];

beforeAll(async () => {
  env = {
    REDIS_URL: redisUrl(),
    MONGO_URL: withDatabase(mongoUrl(), uniqueName('cli')),
    QUEUE_PREFIX: uniqueName('cli'),
    PARTITIONS: String(PARTITIONS),
  };
  mongo = await MongoClient.connect(env.MONGO_URL);
  store = collectionsOf(mongo.db());
  redis = new Redis(env.REDIS_URL, { maxRetriesPerRequest: null });
  queues = Array.from({ length: PARTITIONS }, (_, p) =>
    openPartitionQueue(redis, env.QUEUE_PREFIX, p),
  );
});

afterAll(async () => {
  await Promise.all(queues.map((q) => q.obliterate({ force: true })));
  await Promise.all(queues.map((q) => q.close()));
  redis.disconnect();
  await mongo.db().dropDatabase();
  await mongo.close();
});

interface Keys {
  id: string;
  name: string;
  api_key: string;
  secret_key: string;
  ordering: string;
}

const lines = (text: string): string[] => text.split('\n').filter((l) => l !== '');

// Each case is a real CLI process (a second or more of startup): generous time on a busy machine.
const SLOW = { timeout: 120_000 };

describe.concurrent('project', SLOW, () => {
  it('create prints exactly one JSON line with the keys; only the hash is stored', async () => {
    const run = await runCliProcess(['project', 'create', '--name', 'Acme Inc'], env);
    expect(run.code).toBe(0);
    expect(lines(run.stdout)).toHaveLength(1);
    const keys = JSON.parse(run.stdout) as Keys;
    expect(Object.keys(keys)).toEqual(['id', 'name', 'api_key', 'secret_key', 'ordering']);
    expect(keys.ordering).toBe('received');
    expect(keys.name).toBe('Acme Inc');
    const doc = await store.projects.findOne({ _id: keys.id });
    expect(doc?.api_key).toBe(keys.api_key);
    expect(JSON.stringify(doc)).not.toContain(keys.secret_key);
    expect(secretMatches(keys.secret_key, doc?.secret_key_hash)).toBe(true);
    // --json changes nothing: it is one JSON line either way.
    const again = (await cliJson(['project', 'create', '--name', 'Other', '--json'], env)) as Keys;
    expect(again.name).toBe('Other');
  });

  it('create --ordering event_time makes a project whose groups order by event time', async () => {
    const keys = (await cliJson(
      ['project', 'create', '--name', 'Timed', '--ordering', 'event_time'],
      env,
    )) as Keys;
    expect(keys.ordering).toBe('event_time');
    expect((await store.projects.findOne({ _id: keys.id }))?.ordering).toBe('event_time');
    // And back, with update: `received` is the default, so it is not stored.
    const updated = (await cliJson(
      ['project', 'update', '--id', keys.id, '--ordering', 'received'],
      env,
    )) as Keys;
    expect(updated.ordering).toBe('received');
    expect((await store.projects.findOne({ _id: keys.id }))?.ordering).toBeUndefined();
  });

  it('list shows projects as a table, and as one JSON array with --json, never a secret', async () => {
    const keys = (await cliJson(['project', 'create', '--name', 'Listed'], env)) as Keys;
    const table = await runCliProcess(['project', 'list'], env);
    expect(table.code).toBe(0);
    expect(lines(table.stdout)[0]).toMatch(
      /^ID\s+NAME\s+API_KEY\s+CREATED_AT\s+RATE_LIMIT\s+PUBLIC_ERASE\s+ORDERING$/,
    );
    expect(table.stdout).toMatch(
      new RegExp(
        `${keys.id}\\s+Listed\\s+${keys.api_key}\\s+\\d{4}-\\S+\\s+default\\s+refused\\s+received`,
      ),
    );
    const json = (await cliJson(['project', 'list', '--json'], env)) as Record<string, unknown>[];
    expect(json).toContainEqual({
      id: keys.id,
      name: 'Listed',
      api_key: keys.api_key,
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as unknown,
      rate_limit_per_s: null,
      allow_public_erase: false,
      ordering: 'received',
    });
    expect(JSON.stringify(json)).not.toMatch(/secret/);
  });

  it('rotate-keys replaces both keys: the old api_key is gone from the database', async () => {
    const before = (await cliJson(['project', 'create', '--name', 'Rotated'], env)) as Keys;
    const run = await runCliProcess(['project', 'rotate-keys', '--id', before.id], env);
    expect(run.code).toBe(0);
    expect(lines(run.stdout)).toHaveLength(1);
    const after = JSON.parse(run.stdout) as Keys;
    expect(after).toMatchObject({ id: before.id, name: 'Rotated' });
    expect(after.api_key).not.toBe(before.api_key);
    expect(after.secret_key).not.toBe(before.secret_key);
    expect(await store.projects.countDocuments({ api_key: before.api_key })).toBe(0);
    const doc = await store.projects.findOne({ _id: before.id });
    expect(doc?.api_key).toBe(after.api_key);
    expect(secretMatches(after.secret_key, doc?.secret_key_hash)).toBe(true);
    expect(secretMatches(before.secret_key, doc?.secret_key_hash)).toBe(false);
    const json = (await cliJson(
      ['project', 'rotate-keys', '--id', before.id, '--json'],
      env,
    )) as Keys;
    expect(json.api_key).not.toBe(after.api_key);
  });

  it('update sets the rate limit and public erasure, prints the project, and list shows them', async () => {
    const keys = (await cliJson(['project', 'create', '--name', 'Limited'], env)) as Keys;
    const run = await runCliProcess(
      ['project', 'update', '--id', keys.id, '--rate-limit', '500', '--allow-public-erase', 'true'],
      env,
    );
    expect(run.code).toBe(0);
    expect(lines(run.stdout)).toHaveLength(1);
    expect(JSON.parse(run.stdout)).toStrictEqual({
      id: keys.id,
      name: 'Limited',
      api_key: keys.api_key,
      created_at: expect.stringMatching(/^\d{4}-/) as unknown,
      rate_limit_per_s: 500,
      allow_public_erase: true,
      ordering: 'received',
    });
    const doc = await store.projects.findOne({ _id: keys.id });
    expect(doc).toMatchObject({ rate_limit_per_s: 500, allow_public_erase: true });
    const table = await runCliProcess(['project', 'list'], env);
    expect(table.stdout).toMatch(new RegExp(`${keys.id}\\s+Limited\\s.*\\s500/s\\s+allowed`));
    // One setting at a time; `default` takes the project's own limit away.
    await cliJson(['project', 'update', '--id', keys.id, '--rate-limit', 'default'], env);
    await cliJson(['project', 'update', '--id', keys.id, '--allow-public-erase', 'false'], env);
    const after = await store.projects.findOne({ _id: keys.id });
    expect(after?.rate_limit_per_s).toBeUndefined();
    expect(after?.allow_public_erase).toBe(false);
  });

  it('update of an unknown project fails with a message', async () => {
    const run = await runCliProcess(
      ['project', 'update', '--id', 'nope', '--rate-limit', '5'],
      env,
    );
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('project nope not found');
  });

  it('rotate-keys of an unknown project fails with a message', async () => {
    const run = await runCliProcess(['project', 'rotate-keys', '--id', 'nope'], env);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('project nope not found');
  });
});

describe.concurrent('bad arguments: usage on stderr, exit 2, nothing on stdout', SLOW, () => {
  it.each([
    [[], 'no command given'],
    [['frobnicate'], 'unknown command: frobnicate'],
    [['project', 'delete'], 'unknown project command: delete'],
    [['project', 'create'], 'project create needs --name <name>'],
    [['project', 'create', '--name'], "'--name <value>' argument missing"],
    [['project', 'create', '--name', 'x', '--colour', 'red'], "Unknown option '--colour'"],
    [['project', 'list', '--id', 'x'], 'project list has no option --id'],
    [['groups', 'get', 'org', '--project', 'p'], 'groups get needs <type> <value>'],
  ])('%j', async (args, message) => {
    const run = await runCliProcess(args, env);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(message);
    expect(run.stderr).toContain('usage: npm run cli --');
  });

  it.each([
    [
      ['project', 'update', '--id', 'x'],
      'project update needs --rate-limit, --allow-public-erase or --ordering',
    ],
    [
      ['project', 'update', '--id', 'x', '--ordering', 'arrival'],
      '--ordering must be received or event_time',
    ],
    [
      ['project', 'create', '--name', 'x', '--ordering', 'time'],
      '--ordering must be received or event_time',
    ],
    [
      ['project', 'update', '--id', 'x', '--rate-limit', '1.5'],
      '--rate-limit must be an integer from 1 to 1000000000 (identifications per second) or default',
    ],
    [['project', 'update', '--id', 'x', '--rate-limit', '0'], '--rate-limit must be an integer'],
    [
      ['project', 'update', '--id', 'x', '--allow-public-erase', 'yes'],
      '--allow-public-erase must be true or false',
    ],
  ])('bad setting %j: the reason on stderr, exit 2', async (args, message) => {
    const run = await runCliProcess(args, env);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(message);
  });

  it('--help prints the usage on stdout and exits 0', async () => {
    const run = await runCliProcess(['--help'], env);
    expect(run.code).toBe(0);
    for (const command of ['project create', 'dead-letters replay', 'groups get'])
      expect(run.stdout).toContain(command);
  });

  it('an invalid environment is refused with the variable named', async () => {
    const run = await runCliProcess(['project', 'list'], { ...env, PARTITIONS: 'many' });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/invalid configuration[\s\S]*PARTITIONS/);
  });
});

describe.concurrent('groups get', SLOW, () => {
  it('prints the decoded group as a table, and in the read API shape with --json', async () => {
    const project = 'proj_groups';
    const now = new Date('2026-01-02T03:04:05.000Z');
    await store.groups.insertOne({
      _id: groupId({ project, group_type: 'org', group_value: 'Acme' }),
      project,
      group_type: 'org',
      group_value: 'Acme',
      // Stored encoded: names with `.` and `$` must come back as sent.
      properties: encodeProperties({ 'plan.tier': 'gold', $odd: { 'a.b': [1, [2]] } }),
      version: 3,
      created_at: now,
      updated_at: now,
    });
    const json = await cliJson(
      ['groups', 'get', 'org', 'Acme', '--project', project, '--json'],
      env,
    );
    expect(json).toEqual({
      group_type: 'org',
      group_value: 'Acme',
      properties: { 'plan.tier': 'gold', $odd: { 'a.b': [1, [2]] } },
      version: 3,
      created_at: now.toISOString(),
      updated_at: now.toISOString(),
    });
    const table = await runCliProcess(['groups', 'get', 'org', 'Acme', '--project', project], env);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/version\s+3/);
    expect(table.stdout).toContain('"plan.tier": "gold"');
  });

  it('says which is missing: the group or the project', async () => {
    const keys = (await cliJson(['project', 'create', '--name', 'Empty'], env)) as Keys;
    const noGroup = await runCliProcess(
      ['groups', 'get', 'org', 'Nobody', '--project', keys.id],
      env,
    );
    expect(noGroup.code).toBe(1);
    expect(noGroup.stderr).toContain(`group org/Nobody not found in project ${keys.id}`);
    const noProject = await runCliProcess(['groups', 'get', 'org', 'x', '--project', 'ghost'], env);
    expect(noProject.code).toBe(1);
    expect(noProject.stderr).toContain('project ghost not found');
  });
});

describe('groups delete', SLOW, () => {
  it('queues an erasure on the group’s partition; 404-like failure for a group never written', async () => {
    const project = 'proj_erase';
    const key = { project, group_type: 'org', group_value: 'Gone' };
    const now = new Date();
    await store.groups.insertOne({
      _id: groupId(key),
      ...key,
      properties: encodeProperties({ a: 1 }),
      version: 1,
      created_at: now,
      updated_at: now,
    });
    const json = (await cliJson(
      ['groups', 'delete', 'org', 'Gone', '--project', project, '--json'],
      env,
    )) as { status: string; partition: number; job: string };
    const partition = partitionOf(key, PARTITIONS);
    expect(json).toMatchObject({ status: 'accepted', partition });
    const job = await queues[partition]?.getJob(json.job);
    expect(job?.data).toStrictEqual({
      v: 1,
      items: [{ kind: 'delete', ...key, received_at: expect.any(Number) as number }],
    });
    const missing = await runCliProcess(
      ['groups', 'delete', 'org', 'Never', '--project', project],
      env,
    );
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('project proj_erase not found');
  });
});

describe('dead-letters', SLOW, () => {
  const item: QueuedItem = {
    project: 'proj_dead',
    group_type: 'org',
    group_value: 'Poison',
    group_properties: { $set: { 'plan.tier': 'gold' } },
    insert_id: 'ins-1',
    received_at: Date.parse('2026-01-01T00:00:00Z'),
  };
  const partition = partitionOf(item, PARTITIONS);
  const epoch = 'epoch-1';
  // As apps/worker/src/dead-letters.ts writes them: `_id` from the sequence, item encoded.
  const readable: DeadLetterDocument = {
    _id: `${epoch}:7:0`,
    partition,
    seq: { epoch, job: 7, index: 0 },
    reason: 'group document would exceed the size limit',
    failed_at: new Date('2026-01-01T00:00:01Z'),
    item: encodeValue(JSON.parse(JSON.stringify(item)) as JsonValue) as JsonObject,
  };
  const unreadable: DeadLetterDocument = {
    _id: `${epoch}:8:-1`,
    partition,
    seq: { epoch, job: 8, index: -1 },
    reason: 'unreadable job: ✖ Invalid input: expected 1',
    failed_at: new Date('2026-01-01T00:00:02Z'),
    item: encodeValue({ v: 2, 'odd.key': true }) as JsonObject,
  };
  const jobsOf = async (p: number): Promise<JobPayload[]> => {
    const queue = queues[p];
    if (queue === undefined) throw new RangeError(`no partition ${p}`);
    const jobs = await queue.getJobs(['wait', 'active', 'delayed', 'prioritized']);
    return jobs.sort((a, b) => Number(a.id) - Number(b.id)).map((j) => j.data);
  };

  it('list says there are none', async () => {
    const run = await runCliProcess(['dead-letters', 'list'], env);
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe('no dead letters');
    expect(await cliJson(['dead-letters', 'list', '--json'], env)).toEqual([]);
  });

  it('list shows each letter, its group, reason and the decoded item', async () => {
    await store.deadLetters.insertMany([readable, unreadable]);
    const table = await runCliProcess(['dead-letters', 'list'], env);
    expect(table.code).toBe(0);
    const [header, first, second] = lines(table.stdout);
    expect(header).toMatch(/^ID\s+PARTITION\s+FAILED_AT\s+REPLAYED_AT\s+GROUP\s+REASON$/);
    expect(first).toContain(readable._id);
    expect(first).toContain('org/Poison (project proj_dead)');
    expect(first).toContain(readable.reason);
    expect(second).toContain('(unreadable job)');
    const json = await cliJson(['dead-letters', 'list', '--json'], env);
    expect(json).toEqual([
      {
        id: readable._id,
        partition,
        failed_at: '2026-01-01T00:00:01.000Z',
        reason: readable.reason,
        group: { project: 'proj_dead', group_type: 'org', group_value: 'Poison' },
        replayable: true,
        replayed_at: null,
        item,
      },
      expect.objectContaining({
        id: unreadable._id,
        group: null,
        replayable: false,
        item: { v: 2, 'odd.key': true },
      }) as unknown,
    ]);
  });

  it('replay re-enqueues readable letters on their partition and marks them', async () => {
    const run = await runCliProcess(['dead-letters', 'replay'], env);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`replayed ${readable._id} -> partition ${partition}`);
    expect(run.stdout).toMatch(new RegExp(`skipped ${unreadable._id}: unreadable job`));
    expect(await jobsOf(partition)).toEqual([{ v: 1, items: [item] }]);
    const marked = await store.deadLetters.findOne({ _id: readable._id });
    expect(marked?.replayed_at).toBeInstanceOf(Date);
    expect((await store.deadLetters.findOne({ _id: unreadable._id }))?.replayed_at).toBeUndefined();
  });

  it('replay without --id leaves replayed letters alone', async () => {
    const json = await cliJson(['dead-letters', 'replay', '--json'], env);
    expect(json).toEqual({
      replayed: [],
      skipped: [
        { id: unreadable._id, reason: expect.stringMatching(/^unreadable job/) as unknown },
      ],
    });
    expect(await jobsOf(partition)).toHaveLength(1);
  });

  it('replay --id replays the letter it names, even a replayed one', async () => {
    const json = await cliJson(['dead-letters', 'replay', '--id', readable._id, '--json'], env);
    expect(json).toEqual({
      replayed: [{ id: readable._id, partition, job: expect.any(String) as unknown }],
      skipped: [],
    });
    expect(await jobsOf(partition)).toEqual([
      { v: 1, items: [item] },
      { v: 1, items: [item] },
    ]);
  });

  it('replay --id of an unreadable or unknown letter fails and says why', async () => {
    const unread = await runCliProcess(['dead-letters', 'replay', '--id', unreadable._id], env);
    expect(unread.code).toBe(1);
    expect(unread.stderr).toContain(`dead letter ${unreadable._id} cannot be replayed: unreadable`);
    const unknown = await runCliProcess(['dead-letters', 'replay', '--id', 'nope'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('dead letter nope not found');
  });

  it('replay refuses when PARTITIONS does not match the letter’s partition', async () => {
    let other = PARTITIONS + 1;
    while (partitionOf(item, other) === partition) other++;
    const run = await runCliProcess(['dead-letters', 'replay', '--id', readable._id], {
      ...env,
      PARTITIONS: String(other),
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`with PARTITIONS=${other} its group maps to`);
    expect(await jobsOf(partition)).toHaveLength(2);
  });

  it('a worker applies the replayed item once: the second replay is a retry of its insert_id', async () => {
    const config = loadConfig({ ...env, METRICS_PORT: '0', LOG_LEVEL: 'silent' });
    const worker = await startWorker(config, pino({ level: 'silent' }));
    try {
      await pollUntil(async () => (await jobsOf(partition)).length === 0, {
        timeoutMs: 20_000,
        description: 'both replayed jobs consumed',
      });
    } finally {
      await worker.close();
    }
    const group = await store.groups.findOne({ _id: groupId(item) });
    expect(group?.version).toBe(1);
    expect(group?.properties).toEqual(encodeProperties({ 'plan.tier': 'gold' }));
  });
});
