import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partitionOf } from '@groupidentify/queue-contract';
import { send } from '../helpers/http.js';
import type { TestIngest } from '../helpers/ingest.js';
import { useIngestAndWorker } from '../helpers/worker.js';
import { startCliProcess, type CliEnv, cliEnvOf } from './cli-process.js';

// An import slows down to the workers' pace (docs/import.md#progress-speed-and-live-traffic): it
// never holds more than 2 waiting jobs in a partition, so live traffic is not refused because
// of it, even with ingest's backlog limit set that low.

const MAX_BACKLOG = 2;
const services = useIngestAndWorker({ MAX_BACKLOG: String(MAX_BACKLOG) });
let ingest: TestIngest;
let env: CliEnv;
const dir = mkdtempSync(join(tmpdir(), 'groupidentify-import-pace-'));

beforeAll(() => {
  ingest = services.ingest();
  env = cliEnvOf(ingest);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('groups import and live traffic', { timeout: 120_000 }, () => {
  it('waits for the workers instead of filling the queues; live identifications still get 200', async () => {
    const target = await ingest.addProject();
    const total = 12_000;
    const path = join(dir, 'groups.ndjson');
    writeFileSync(
      path,
      Array.from({ length: total }, (_, i) =>
        JSON.stringify({ group_type: 'org', group_value: `g${i}`, properties: { n: i } }),
      ).join('\n'),
    );
    const partitions = Array.from({ length: ingest.config.PARTITIONS }, (_, p) => p);
    await Promise.all(partitions.map((p) => ingest.queue(p).pause()));
    const importing = startCliProcess(['groups', 'import', '--project', target.id, path], env);
    await importing.stderrShows('waiting for the workers');
    const waiting = await Promise.all(partitions.map((p) => ingest.queue(p).getWaitingCount()));
    expect(Math.max(...waiting)).toBeLessThanOrEqual(MAX_BACKLOG);
    expect(Math.max(...waiting)).toBeGreaterThan(0);

    // One live identification for each partition, while the import waits.
    for (const p of partitions) {
      let value = 0;
      while (
        partitionOf(
          { project: ingest.projectId, group_type: 'org', group_value: `live-${value}` },
          partitions.length,
        ) !== p
      )
        value++;
      const reply = await send(ingest.url, {
        json: {
          api_key: ingest.apiKey,
          identification: {
            group_type: 'org',
            group_value: `live-${value}`,
            group_properties: { p },
          },
        },
      });
      expect(reply.status, `partition ${p}`).toBe(200);
    }

    await Promise.all(partitions.map((p) => ingest.queue(p).resume()));
    const run = await importing.exited;
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(`imported ${total} lines`);
    expect(await ingest.raw.groups.countDocuments({ project: target.id, version: 1 })).toBe(total);
  });
});
