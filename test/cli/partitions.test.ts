import { randomUUID } from 'node:crypto';
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
