import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { send } from '../helpers/http.js';
import { startTestIngest, type TestIngest } from '../helpers/ingest.js';
import { startTestWorker } from '../helpers/worker.js';
import { cliJson, runCliProcess, type CliEnv, cliEnvOf } from './cli-process.js';

// docs/guarantees.md: PARTITIONS is fixed while jobs exist; `partitions resize` drains, then switches.
let ingest: TestIngest;
let env: CliEnv;
beforeAll(async () => {
  ingest = await startTestIngest({ PARTITIONS: '4' });
  env = cliEnvOf(ingest);
});
afterAll(async () => {
  await ingest.close();
});

describe('npm run cli -- partitions', () => {
  it('commands that queue or read by partition refuse a PARTITIONS other than the recorded one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'partitions-'));
    const file = join(dir, 'one.ndjson');
    await writeFile(file, '{"group_type":"org","group_value":"a","properties":{"n":1}}\n');
    const project = ingest.projectId;
    const eight = { ...env, PARTITIONS: '8', DESTINATIONS_ALLOW_PRIVATE: 'true' as const };
    const jobsNow = async () =>
      (await Promise.all([0, 1, 2, 3].map((p) => ingest.jobs(p)))).flat().length;
    const before = await jobsNow();
    for (const args of [
      ['groups', 'delete', 'org', 'a', '--project', project],
      ['groups', 'import', '--project', project, file],
      ['changes', 'tail', '--project', project, '--after', 'start'],
      ['destinations', 'create', 'http://127.0.0.1:9/hook', '--project', project],
    ]) {
      const run = await runCliProcess(args, eight);
      expect(run.code, `${args.join(' ')}: ${run.stderr}`).toBe(2);
      expect(run.stderr).toContain(
        'PARTITIONS=8 but this deployment uses 4 (recorded in Redis): set PARTITIONS=4',
      );
    }
    expect(await jobsNow()).toBe(before);
    expect(await ingest.store.destinations.list(project)).toStrictEqual([]);
    await rm(dir, { recursive: true, force: true });
  });

  it(
    'refuses another count while jobs remain, and resizes once they are drained',
    { timeout: 120_000 },
    async () => {
      const reply = await send(ingest.url, {
        json: {
          api_key: ingest.apiKey,
          identification: { group_type: 'org', group_value: randomUUID(), group_properties: {} },
        },
      });
      expect(reply.status).toBe(200);
      const shown = (await cliJson(['partitions', 'show', '--json'], env)) as {
        recorded: number;
        jobs: number[];
      };
      expect(shown.recorded).toBe(4);
      expect(shown.jobs.reduce((a, b) => a + b, 0)).toBe(1);

      // A worker with another count must not start while a partition holds a job.
      await expect(startTestWorker(ingest, { PARTITIONS: '8' })).rejects.toThrow(
        /PARTITIONS=8 .* uses 4/,
      );

      // resize waits for the drain: start it, then a worker with the count in use drains it.
      const resize = runCliProcess(['partitions', 'resize', '--to', '8', '--json'], env, 90_000);
      const worker = await startTestWorker(ingest, { PARTITIONS: '4' });
      const run = await resize;
      await worker.close();
      expect(run.code, run.stderr).toBe(0);
      expect(JSON.parse(run.stdout)).toStrictEqual({ from: 4, to: 8 });

      const eight = await startTestWorker(ingest, { PARTITIONS: '8' });
      await eight.close();
      expect((await runCliProcess(['partitions', 'resize', '--to', 'x'], env)).code).toBe(2);
    },
  );
});
