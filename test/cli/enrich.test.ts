import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { send } from '../helpers/http.js';
import type { TestIngest } from '../helpers/ingest.js';
import { instantPassed } from '../helpers/clock.js';
import { useIngestAndWorker, waitForVersion } from '../helpers/worker.js';
import { runCliProcess, type CliEnv, cliEnvOf } from './cli-process.js';

// `npm run cli -- enrich` (docs/operations.md#enriching-events): each NDJSON event gets its groups'
// properties at its `time`, through the real pipeline's history; bad lines are reported by number.

const services = useIngestAndWorker();
let ingest: TestIngest;
let env: CliEnv;
const dir = mkdtempSync(join(tmpdir(), 'groupidentify-enrich-'));
/** Instants: before acme existed, while it was on the free plan, after everything. */
const at: Record<'before' | 'free' | 'after', number> = { before: 0, free: 0, after: 0 };

beforeAll(async () => {
  ingest = services.ingest();
  env = cliEnvOf(ingest);
  at.before = await instantPassed();
  await identify('acme', { plan: 'free' });
  await waitForVersion(ingest, 'org', 'acme', 1);
  at.free = await instantPassed();
  await identify('acme', { plan: 'pro' });
  await identify('globex', { plan: 'free' });
  await waitForVersion(ingest, 'org', 'acme', 2);
  await waitForVersion(ingest, 'org', 'globex', 1);
  at.after = await instantPassed();
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function identify(value: string, properties: Record<string, unknown>): Promise<void> {
  const reply = await send(ingest.url, {
    json: {
      api_key: ingest.apiKey,
      identification: { group_type: 'org', group_value: value, group_properties: properties },
    },
  });
  expect(reply.status).toBe(200);
}

function file(name: string, lines: readonly string[]): string {
  const path = join(dir, name);
  writeFileSync(path, lines.map((l) => `${l}\n`).join(''));
  return path;
}

const parsed = (text: string) =>
  text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('enrich', { timeout: 120_000 }, () => {
  it("writes each event with its groups' properties at its time; reports bad lines by number", async () => {
    const input = file('events.ndjson', [
      JSON.stringify({ event_type: 'a', groups: { org: 'acme' }, time: at.free }),
      JSON.stringify({
        event_type: 'b',
        groups: { org: ['acme', 'globex', 'nobody'] },
        time: at.after,
      }),
      JSON.stringify({ event_type: 'c', groups: { org: 'acme' }, time: at.before }),
      '{not json',
      JSON.stringify({ event_type: 'e', groups: 'acme' }),
      JSON.stringify({ event_type: 'f', groups: { org: 'acme' }, time: 'yesterday' }),
      '',
      JSON.stringify({ event_type: 'h' }),
    ]);
    const run = await runCliProcess(['enrich', '--project', ingest.projectId, '--in', input], env);
    expect(run.code, run.stderr).toBe(1);
    expect(parsed(run.stdout)).toStrictEqual([
      {
        event_type: 'a',
        groups: { org: 'acme' },
        time: at.free,
        group_properties: { org: { acme: { plan: 'free' } } },
      },
      {
        event_type: 'b',
        groups: { org: ['acme', 'globex', 'nobody'] },
        time: at.after,
        group_properties: {
          org: { acme: { plan: 'pro' }, globex: { plan: 'free' }, nobody: null },
        },
      },
      // Before its first identification, acme did not exist.
      {
        event_type: 'c',
        groups: { org: 'acme' },
        time: at.before,
        group_properties: { org: { acme: null } },
      },
      { event_type: 'h', group_properties: {} },
    ]);
    expect(run.stderr).toContain('line 4: not JSON');
    expect(run.stderr).toContain('line 5: groups must be an object');
    expect(run.stderr).toContain('line 6: time must be milliseconds since the epoch');
    expect(run.stderr).toContain('enriched 4 events from 8 lines; 3 lines could not be');
  });

  it('writes to --out and exits 0 when every line was enriched', async () => {
    const input = file('good.ndjson', [
      JSON.stringify({ groups: { org: 'globex' }, time: at.after }),
    ]);
    const output = join(dir, 'out.ndjson');
    const run = await runCliProcess(
      ['enrich', '--project', ingest.projectId, '--in', input, '--out', output],
      env,
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe('');
    expect(parsed(readFileSync(output, 'utf8'))).toStrictEqual([
      {
        groups: { org: 'globex' },
        time: at.after,
        group_properties: { org: { globex: { plan: 'free' } } },
      },
    ]);
  });

  it('refuses an unknown project', async () => {
    const input = file('one.ndjson', [JSON.stringify({ groups: { org: 'acme' } })]);
    const run = await runCliProcess(['enrich', '--project', 'nope', '--in', input], env);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
  });
});
