import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { deferCleanups } from '../helpers/cleanups.js';
import { send } from '../helpers/http.js';
import type { TestIngest } from '../helpers/ingest.js';
import { pollUntil } from '../helpers/services.js';
import { useIngestAndWorker } from '../helpers/worker.js';

// `changes tail` (docs/api.md#change-feed): NDJSON on stdout as changes are applied, until
// Ctrl-C; then the cursor to resume from on stderr.
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const services = useIngestAndWorker();
let ingest: TestIngest;
beforeAll(() => {
  ingest = services.ingest();
});
const defer = deferCleanups('each');

function startTail(args: readonly string[]) {
  const child = spawn(
    process.execPath,
    ['--conditions=@groupidentify/source', '--import', 'tsx', 'apps/cli/src/main.ts', ...args],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        REDIS_URL: ingest.config.REDIS_URL,
        MONGO_URL: ingest.config.MONGO_URL,
        QUEUE_PREFIX: ingest.config.QUEUE_PREFIX,
        PARTITIONS: String(ingest.config.PARTITIONS),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = once(child, 'exit') as Promise<[number | null]>;
  defer(async () => {
    if (child.exitCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  });
  const lines = () =>
    stdout
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as { group_value: string; version: number; kind: string });
  return { child, exited, lines, stderr: () => stderr };
}

async function identify(type: string, value: string, gp: object): Promise<void> {
  const identification = { group_type: type, group_value: value, group_properties: gp };
  const reply = await send(ingest.url, { json: { api_key: ingest.apiKey, identification } });
  expect(reply.status).toBe(200);
}

describe('changes tail', { timeout: 120_000 }, () => {
  it('prints changes as they are applied; Ctrl-C prints where to resume, and resuming is exact', async () => {
    const type = `t-${randomUUID()}`;
    const first = startTail(['changes', 'tail', '--project', ingest.projectId, '--type', type]);
    await pollUntil(() => first.stderr().includes('following the changes'), {
      timeoutMs: 30_000,
      description: 'the tail to start',
    });
    for (let n = 1; n <= 3; n++) await identify(type, 'g', { n });
    await pollUntil(() => first.lines().length === 3, {
      timeoutMs: 30_000,
      description: 'three changes printed',
    });
    first.child.kill('SIGINT');
    expect((await first.exited)[0]).toBe(0);
    expect(first.lines().map((c) => [c.kind, c.version])).toStrictEqual([
      ['create', 1],
      ['update', 2],
      ['update', 3],
    ]);
    const resume = /stopped after 3 changes; resume with --after (\S+)/.exec(first.stderr())?.[1];
    expect(resume).toBeDefined();

    await identify(type, 'g', { n: 4 }); // while no tail runs
    const second = startTail([
      'changes',
      'tail',
      '--project',
      ingest.projectId,
      '--type',
      type,
      '--after',
      resume ?? '',
    ]);
    await pollUntil(() => second.lines().length >= 1, {
      timeoutMs: 30_000,
      description: 'the change made meanwhile',
    });
    second.child.kill('SIGINT');
    expect((await second.exited)[0]).toBe(0);
    expect(second.lines().map((c) => c.version)).toStrictEqual([4]);
    // From the start: everything of the type, in order.
    const all = startTail([
      'changes',
      'tail',
      '--project',
      ingest.projectId,
      '--type',
      type,
      '--after',
      'start',
    ]);
    await pollUntil(() => all.lines().length >= 4, {
      timeoutMs: 30_000,
      description: 'the whole history of the type',
    });
    all.child.kill('SIGINT');
    expect((await all.exited)[0]).toBe(0);
    expect(all.lines().map((c) => c.version)).toStrictEqual([1, 2, 3, 4]);
  });

  it('refuses another project’s cursor and an unknown project', async () => {
    const bad = startTail(['changes', 'tail', '--project', ingest.projectId, '--after', 'nope']);
    expect((await bad.exited)[0]).toBe(2);
    expect(bad.stderr()).toContain('--after takes now, start or a change feed cursor');
    const ghost = startTail(['changes', 'tail', '--project', 'ghost']);
    expect((await ghost.exited)[0]).toBe(1);
    expect(ghost.stderr()).toContain('project ghost not found');
  });
});
