import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectionsOf, type Collections } from '@groupidentify/store/testing';
import { withDatabase } from '../helpers/ingest.js';
import { mongoUrl, redisUrl, uniqueName } from '../helpers/services.js';
import { cliJson, runCliProcess, type CliEnv } from './cli-process.js';

// `destinations create|list|pause|resume|delete` (docs/operations.md#webhook-destinations): the
// API's checks and shapes, scoped to a project by --project.

let env: CliEnv;
let mongo: MongoClient;
let raw: Collections;
let project: string;

beforeAll(async () => {
  env = {
    REDIS_URL: redisUrl(),
    MONGO_URL: withDatabase(mongoUrl(), uniqueName('cli')),
    QUEUE_PREFIX: uniqueName('cli'),
    PARTITIONS: '4',
  };
  mongo = await MongoClient.connect(env.MONGO_URL);
  raw = collectionsOf(mongo.db());
  ({ id: project } = (await cliJson(['project', 'create', '--name', 'Hooks'], env)) as {
    id: string;
  });
});

afterAll(async () => {
  await mongo.db().dropDatabase();
  await mongo.close();
});

const URL = 'https://8.8.8.8:9/hook';

describe('destinations', { timeout: 120_000 }, () => {
  it('create prints the id and the secret once; list shows it without the secret', async () => {
    const run = await runCliProcess(
      ['destinations', 'create', URL, '--project', project, '--group-type', 'org'],
      env,
    );
    expect(run.code).toBe(0);
    const id = /^id\s+(dst_[0-9a-f]{16})$/m.exec(run.stdout)?.[1] ?? '';
    const secret = /^secret\s+(whsec_\S+)$/m.exec(run.stdout)?.[1] ?? '';
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(run.stdout).toContain('The secret is shown only now');
    const stored = await raw.destinations.findOne({ _id: id });
    expect(stored).toMatchObject({
      project,
      url: URL,
      group_type: 'org',
      secret,
      status: 'active',
    });
    expect(stored?.start).toStrictEqual([0, 0, 0, 0]);

    const listed = await runCliProcess(['destinations', 'list', '--project', project], env);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(
      new RegExp(`^${id}\\s+active\\s+${URL}\\s+org\\s+0\\s+0\\s`, 'm'),
    );
    expect(listed.stdout).not.toContain(secret);
    const items = (await cliJson(
      ['destinations', 'list', '--project', project, '--json'],
      env,
    )) as Record<string, unknown>[];
    expect(items.find((d) => d['id'] === id)).toStrictEqual({
      id,
      url: URL,
      group_type: 'org',
      description: null,
      status: 'active',
      created_at: stored?.created_at.toISOString(),
      failing_since: null,
      delivered: 0,
      pending: 0,
      last_error: null,
      partitions: [],
      recent: [],
    });
  });

  it('create --json answers as the API: the view and the secret', async () => {
    const made = (await cliJson(
      ['destinations', 'create', URL, '--project', project, '--description', 'CRM', '--json'],
      env,
    )) as Record<string, unknown>;
    expect(made).toMatchObject({
      url: URL,
      group_type: null,
      description: 'CRM',
      status: 'active',
    });
    expect(made['secret']).toBe(
      (await raw.destinations.findOne({ _id: made['id'] as string }))?.secret,
    );
  });

  it('pauses, resumes and deletes; an unknown id or project fails with a message', async () => {
    const { id } = (await cliJson(
      ['destinations', 'create', URL, '--project', project, '--json'],
      env,
    )) as { id: string };
    expect(
      await cliJson(['destinations', 'pause', id, '--project', project, '--json'], env),
    ).toMatchObject({ id, status: 'paused', pending: 0 });
    expect((await raw.destinations.findOne({ _id: id }))?.status).toBe('paused');
    const resumed = await runCliProcess(['destinations', 'resume', id, '--project', project], env);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toMatch(/^status\s+active$/m);
    expect((await raw.destinations.findOne({ _id: id }))?.status).toBe('active');

    const other = await runCliProcess(['destinations', 'pause', id, '--project', 'nope'], env);
    expect(other.code).toBe(1);
    expect(other.stderr).toContain('project nope not found');
    const deleted = await runCliProcess(['destinations', 'delete', id, '--project', project], env);
    expect(deleted).toMatchObject({ code: 0, stdout: `deleted destination ${id}\n` });
    expect(await raw.destinations.findOne({ _id: id })).toBeNull();
    const again = await runCliProcess(['destinations', 'delete', id, '--project', project], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`destination ${id} not found in project ${project}`);
  });

  it('refuses a private URL unless DESTINATIONS_ALLOW_PRIVATE=true, and a bad scheme', async () => {
    const local = ['destinations', 'create', 'http://127.0.0.1:9/', '--project', project];
    const refused = await runCliProcess(local, env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      '<url>: 127.0.0.1 is a loopback, link-local or private address (DESTINATIONS_ALLOW_PRIVATE=true allows it)',
    );
    const scheme = await runCliProcess(
      ['destinations', 'create', 'ftp://8.8.8.8/', '--project', project],
      env,
    );
    expect(scheme.code).toBe(2);
    expect(scheme.stderr).toContain('<url>: must be an http or https URL');
    const allowed = (await cliJson([...local, '--json'], {
      ...env,
      DESTINATIONS_ALLOW_PRIVATE: 'true',
    })) as { url: string };
    expect(allowed.url).toBe('http://127.0.0.1:9/');
    const unknown = await runCliProcess(['destinations', 'create', URL, '--project', 'nope'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('project nope not found');
  });
});
