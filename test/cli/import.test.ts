import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonObject } from '@groupidentify/ops';
import { send } from '../helpers/http.js';
import type { TestIngest } from '../helpers/ingest.js';
import { pollUntil } from '../helpers/services.js';
import { useIngestAndWorker, waitForVersion } from '../helpers/worker.js';
import { runCliProcess, startCliProcess, type CliEnv, cliEnvOf } from './cli-process.js';

// `npm run cli -- groups import` (docs/import.md): our export and CSV files, through the ordered,
// exactly-once path; bad lines by number; resumable after a SIGKILL without applying anything twice.

const services = useIngestAndWorker();
let ingest: TestIngest;
let env: CliEnv;
const dir = mkdtempSync(join(tmpdir(), 'groupidentify-import-'));

beforeAll(() => {
  ingest = services.ingest();
  env = cliEnvOf(ingest);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const view = (project: string, group_type: string, group_value: string) =>
  ingest.store.groups.view({ project, group_type, group_value });

async function historyOf(project: string, group_type: string, group_value: string) {
  const page = await ingest.store.history.page({ project, group_type, group_value }, undefined, 10);
  if (page === undefined) throw new Error(`no history for ${group_type}/${group_value}`);
  return page.items;
}

/** Varied properties: nested values, names with `.`, `$` and unicode, every JSON type. */
const GROUPS: { value: string; set: JsonObject }[] = [
  {
    value: 'acme',
    set: {
      plan: 'pro',
      seats: 42,
      ratio: 0.25,
      active: true,
      churned: null,
      'sso.enabled': true,
      $source: 'crm',
      'Région 名前': 'Île-de-France',
      tags: ['b2b', { nested: [1, [2, { deep: null }]] }],
      billing: { address: { city: 'Zürich', zip: '8001' }, cards: [] },
      empty: '',
    },
  },
  { value: 'グローバル', set: { plan: 'free', meta: {} } },
  { value: '12345', set: {} },
];

describe('groups import', { timeout: 180_000 }, () => {
  it('export → import into another project gives identical groups, marked import in history', async () => {
    for (const g of GROUPS) {
      const reply = await send(ingest.url, {
        json: {
          api_key: ingest.apiKey,
          identification: {
            group_type: 'org',
            group_value: g.value,
            group_properties: { $set: g.set },
          },
        },
      });
      expect(reply.status).toBe(200);
    }
    for (const g of GROUPS) await waitForVersion(ingest, 'org', g.value, 1);
    const exported = await runCliProcess(['groups', 'export', '--project', ingest.projectId], env);
    expect(exported.code, exported.stderr).toBe(0);
    const target = await ingest.addProject();
    const run = await runCliProcess(
      ['groups', 'import', '--project', target.id, file('export.ndjson', exported.stdout)],
      env,
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(`imported ${GROUPS.length} lines into project ${target.id}`);
    // The command waits until the workers applied its lines: no polling needed.
    for (const g of GROUPS) {
      const source = await view(ingest.projectId, 'org', g.value);
      const copy = await view(target.id, 'org', g.value);
      expect(copy?.properties, g.value).toStrictEqual(source?.properties);
      expect(copy?.version).toBe(1);
      const [entry] = await historyOf(target.id, 'org', g.value);
      expect(entry?.source).toBe('import');
      expect(entry?.insert_id).toMatch(/^import:[0-9a-f]{16}:[1-3]$/);
    }
    // The source project's own history is not an import's.
    const [own] = await historyOf(ingest.projectId, 'org', 'acme');
    expect(own?.source).toBeUndefined();
  });

  it('reads CSV: quoting, cells as JSON or strings, empty cells left out', async () => {
    const target = await ingest.addProject();
    const csv = [
      'group_type,group_value,plan,seats,note,meta',
      'org,acme,pro,42,"a note, with a comma","{""x"":[1,2]}"',
      'org,007,"""quoted""",,"two',
      'lines",null',
      '',
      'team,red,free,true,plain text,[1]',
    ].join('\r\n');
    const run = await runCliProcess(
      ['groups', 'import', '--project', target.id, file('groups.csv', `${csv}\r\n`)],
      env,
    );
    expect(run.code, run.stderr).toBe(0);
    expect((await view(target.id, 'org', 'acme'))?.properties).toStrictEqual({
      plan: 'pro',
      seats: 42,
      note: 'a note, with a comma',
      meta: { x: [1, 2] },
    });
    expect((await view(target.id, 'org', '007'))?.properties).toStrictEqual({
      plan: 'quoted',
      note: 'two\r\nlines',
      meta: null,
    });
    expect((await view(target.id, 'team', 'red'))?.properties).toStrictEqual({
      plan: 'free',
      seats: true,
      note: 'plain text',
      meta: [1],
    });
  });

  it('into an event_time project, places each line by its time, whatever the file order', async () => {
    const { id } = await ingest.store.projects.create('import by time', { ordering: 'event_time' });
    const lines = [
      { time: '2026-12-05T12:00:00Z', properties: { plan: 'enterprise', seats: 50 } },
      { time: Date.UTC(2026, 11, 5, 10), properties: { plan: 'free', trial: true } },
      { time: '2026-12-05T11:00:00Z', properties: { plan: 'pro', seats: 5 } },
    ].map((l) => JSON.stringify({ group_type: 'org', group_value: 'timed', ...l }));
    const path = file('timed.ndjson', `${lines.join('\n')}\n`);
    const run = await runCliProcess(['groups', 'import', '--project', id, path], env);
    expect(run.code, run.stderr).toBe(0);
    expect((await view(id, 'org', 'timed'))?.properties).toStrictEqual({
      plan: 'enterprise',
      seats: 50,
      trial: true,
    });
    const history = await historyOf(id, 'org', 'timed');
    expect(history.map((h) => h.time)).toStrictEqual([
      '2026-12-05T11:00:00.000Z',
      '2026-12-05T10:00:00.000Z',
      '2026-12-05T12:00:00.000Z',
    ]);
    // An unreadable time is a bad line like any other.
    const bad = file(
      'bad-time.ndjson',
      '{"group_type":"org","group_value":"x","properties":{},"time":"noon"}\n',
    );
    const checked = await runCliProcess(['groups', 'import', '--project', id, '--check', bad], env);
    expect(checked.code).toBe(1);
    expect(checked.stderr).toContain('line 1: time: must be milliseconds since the epoch');
  });

  it('lists bad lines by number; writes nothing unless --skip-bad, which reports them', async () => {
    const target = await ingest.addProject();
    const lines = [
      JSON.stringify({ group_type: 'org', group_value: 'good-1', properties: { a: 1 } }),
      '{not json',
      JSON.stringify({ group_type: 'org', group_value: '', properties: {} }),
      '',
      JSON.stringify({ group_type: 'org', group_value: 'no-props' }),
      JSON.stringify({ group_type: 'org', group_value: 'good-2', properties: { b: [2] } }),
    ];
    const path = file('mixed.ndjson', `${lines.join('\n')}\n`);
    const expectBadLines = (stderr: string) => {
      expect(stderr).toContain('line 2: not JSON');
      expect(stderr).toContain('line 3: group_value: must be 1 to');
      expect(stderr).toContain('line 5: properties: is required');
      expect(stderr).not.toMatch(/line [146]:/);
    };

    const check = await runCliProcess(
      ['groups', 'import', '--project', target.id, '--check', path],
      env,
    );
    expect(check.code).toBe(1);
    expectBadLines(check.stderr);
    expect(check.stderr).toContain('checked 6 lines, 3 bad');

    const refused = await runCliProcess(['groups', 'import', '--project', target.id, path], env);
    expect(refused.code).toBe(1);
    expectBadLines(refused.stderr);
    expect(refused.stderr).toContain('nothing imported');
    expect(await view(target.id, 'org', 'good-1')).toBeUndefined();

    const report = join(dir, 'bad.ndjson');
    const skipped = await runCliProcess(
      ['groups', 'import', '--project', target.id, '--skip-bad', report, path],
      env,
    );
    expect(skipped.code, skipped.stderr).toBe(0);
    expect(skipped.stderr).toContain('imported 2 lines');
    expect((await view(target.id, 'org', 'good-1'))?.properties).toStrictEqual({ a: 1 });
    expect((await view(target.id, 'org', 'good-2'))?.properties).toStrictEqual({ b: [2] });
    const reported = readFileSync(report, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { line: number; reason: string; text: string });
    expect(reported.map((r) => r.line)).toStrictEqual([2, 3, 5]);
    expect(reported[0]).toStrictEqual({ line: 2, reason: 'not JSON', text: '{not json' });

    const good = file('good.ndjson', `${lines[0] ?? ''}\n`);
    const clean = await runCliProcess(
      ['groups', 'import', '--project', target.id, '--check', good],
      env,
    );
    expect(clean.code, clean.stderr).toBe(0);
    expect(clean.stderr).toContain('checked 1 lines, 0 bad: ready to import');
  });

  it('a line the workers dead-letter fails the import (exit 1), naming it, after the others applied', async () => {
    const target = await ingest.addProject();
    // Two lines of about 9 MB for one group: the second would take it past the 16 MB limit, so
    // the worker dead-letters it (the first applies), and finishes its job like any other.
    const big = Array.from({ length: 9000 }, () => 'x'.repeat(1000));
    const lines = ['a', 'b'].map((name) =>
      JSON.stringify({ group_type: 'org', group_value: 'huge', properties: { [name]: big } }),
    );
    lines.push(JSON.stringify({ group_type: 'org', group_value: 'small', properties: { n: 1 } }));
    const path = file('too-big.ndjson', `${lines.join('\n')}\n`);
    const run = await runCliProcess(
      ['groups', 'import', '--project', target.id, path],
      env,
      120_000,
    );
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(
      /imported 3 lines into project .*, but 1 line was dead-lettered: see dead-letters list/,
    );
    expect(Object.keys((await view(target.id, 'org', 'huge'))?.properties ?? {})).toStrictEqual([
      'a',
    ]);
    expect((await view(target.id, 'org', 'small'))?.properties).toStrictEqual({ n: 1 });
  });

  it('a CSV with broken quoting or a bad header fails before anything is written', async () => {
    const target = await ingest.addProject();
    const broken = file('broken.csv', 'group_type,group_value,a\norg,x,1\norg,"y,2\n');
    const run = await runCliProcess(['groups', 'import', '--project', target.id, broken], env);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/line \d+: Quote Not Closed/);
    expect(await view(target.id, 'org', 'x')).toBeUndefined();
    const header = file('header.csv', 'group,group_value,a\norg,x,1\n');
    const bad = await runCliProcess(['groups', 'import', '--project', target.id, header], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('line 1: the header must start with group_type,group_value');
  });

  it('killed with SIGKILL midway, --resume applies every line exactly once', async () => {
    const target = await ingest.addProject();
    const total = 10_000;
    const lines = Array.from({ length: total }, (_, i) =>
      JSON.stringify({ group_type: 'org', group_value: `g${i}`, properties: { n: i } }),
    );
    const path = file('big.ndjson', `${lines.join('\n')}\n`);
    const partitions = Array.from({ length: ingest.config.PARTITIONS }, (_, p) => p);
    // With no worker taking jobs, the import fills each partition up to its limit and waits.
    await Promise.all(partitions.map((p) => ingest.queue(p).pause()));
    const first = startCliProcess(['groups', 'import', '--project', target.id, path], env);
    await first.stderrShows('waiting for the workers');
    first.kill();
    expect((await first.exited).signal).toBe('SIGKILL');
    const [run] = await ingest.raw.importRuns.find({ project: target.id }).toArray();
    expect(run?.finished_at).toBeUndefined();
    expect(run?.queued_through).toBeGreaterThan(0);
    expect(run?.queued_through).toBeLessThan(total);
    // The worst crash: everything after the first line may have been queued, and the checkpoint
    // not moved. Every line from the second on is queued again by the resume.
    await ingest.raw.importRuns.updateOne({ _id: run?._id ?? '' }, { $set: { queued_through: 1 } });

    const again = await runCliProcess(['groups', 'import', '--project', target.id, path], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('run the same command with --resume');

    await Promise.all(partitions.map((p) => ingest.queue(p).resume()));
    const resumed = await runCliProcess(
      ['groups', 'import', '--project', target.id, '--resume', path],
      env,
      120_000,
    );
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain('after line 1');
    // The lines queued before the kill apply too; wait for the last partition to drain.
    await pollUntil(
      async () =>
        (await ingest.raw.groups.countDocuments({ project: target.id })) === total
          ? true
          : undefined,
      { timeoutMs: 60_000, description: `${total} groups imported` },
    );
    const notOnce = await ingest.raw.groups.countDocuments({
      project: target.id,
      version: { $ne: 1 },
    });
    expect(notOnce).toBe(0);
    const g = await view(target.id, 'org', 'g9999');
    expect(g?.properties).toStrictEqual({ n: 9999 });

    const done = await runCliProcess(
      ['groups', 'import', '--project', target.id, '--resume', path],
      env,
    );
    expect(done.code, done.stderr).toBe(0);
    expect(done.stderr).toContain('nothing to resume');
  });
});

describe('examples/import', { timeout: 60_000 }, () => {
  const examples = join(import.meta.dirname, '../../examples/import');
  it.each([
    'our-export.ndjson',
    'amplitude-groups.csv',
    'mixpanel-groups.ndjson',
    'posthog-groups.csv',
  ])('%s passes --check', async (name) => {
    const run = await runCliProcess(
      ['groups', 'import', '--project', ingest.projectId, '--check', join(examples, name)],
      env,
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/checked \d+ lines, 0 bad: ready to import/);
  });
});
