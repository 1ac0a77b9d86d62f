import { once } from 'node:events';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withDatabase } from '@groupidentify/local-services';
import { openStore } from '@groupidentify/store';
import { spawnChild } from './child-process.js';
import type { Cleanup } from './cleanup.js';
import { step } from './log.js';
import type { BenchPlan } from './options.js';
import { startStackApps } from './stack-apps.js';
import { storeBulkUpsertRate } from './store-baseline.js';

/** `groups import` of a file of new groups vs the store's own bulk upserts of as many. */
export interface ImportFigures {
  lines: number;
  seconds: number;
  linesPerSec: number;
  /** L_store on a fresh collection of `lines` documents, batches of 1,000, 4 streams. */
  storeIdsPerSec: number;
  storeStreams: number;
}

/**
 * Import (docs/import.md) on the apps `npm run stack` starts, the CLI run as its compiled
 * `dist/main.js` with the defaults (no setting but the servers): a file of `plan.importLines`
 * export lines, one new group each with a few properties, timed from the command's start to its
 * exit (it waits until the workers applied the last line). Then the store's bulk upsert rate of as
 * many new documents in `bulkWrite`s of 1,000, four at a time, the baseline.
 */
export async function measureImport(
  cleanup: Cleanup,
  setup: { redisUrl: string; serverUrl: string },
  plan: BenchPlan,
): Promise<ImportFigures> {
  const mongoUrl = withDatabase(setup.serverUrl, 'import');
  const lines = plan.importLines;
  const dir = mkdtempSync(join(tmpdir(), 'groupidentify-bench-import-'));
  try {
    const path = join(dir, 'groups.ndjson');
    step(`import: writing ${lines.toLocaleString('en-US')} lines`);
    await writeExport(path, lines);
    const store = await openStore(mongoUrl);
    const project = await store.projects.create('import').finally(() => store.close());
    const stack = await startStackApps(cleanup, {
      redisUrl: setup.redisUrl,
      mongoUrl,
      queuePrefix: 'import',
    });
    let seconds: number;
    try {
      step('import: npm run cli -- groups import (progress below)');
      const started = performance.now();
      const cli = spawnChild(
        cleanup,
        'import',
        'apps/cli/dist/main.js',
        { REDIS_URL: setup.redisUrl, MONGO_URL: mongoUrl, QUEUE_PREFIX: 'import' },
        [],
        {
          args: ['groups', 'import', '--project', project.id, path],
          onLine: (l) => step(`  ${l}`),
        },
      );
      const code = await cli.exited();
      seconds = (performance.now() - started) / 1000;
      if (code !== 0) throw new Error(`import phase: the import exited ${code}:\n${cli.output()}`);
    } finally {
      await stack.stop();
    }
    step(`import: the store's bulk upserts of ${lines.toLocaleString('en-US')} new documents`);
    const baselineUrl = withDatabase(setup.serverUrl, 'import_baseline');
    // Four streams only: at 100,000 documents one stream took twice as long and was slower
    // (3,700 vs 5,900 upserts/s), and the bench's wall time matters.
    const best = await storeBulkUpsertRate(baselineUrl, lines, lines, 1000, 4);
    const linesPerSec = lines / seconds;
    step(
      `  import ${Math.round(linesPerSec)} lines/s (${seconds.toFixed(1)} s); store ${Math.round(best.idsPerSec)} upserts/s (× ${(linesPerSec / best.idsPerSec).toFixed(2)})`,
    );
    return {
      lines,
      seconds,
      linesPerSec,
      storeIdsPerSec: best.idsPerSec,
      storeStreams: best.streams,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** An export file of `lines` groups, as `groups export` writes them. */
async function writeExport(path: string, lines: number): Promise<void> {
  const out = createWriteStream(path);
  for (let i = 0; i < lines; i++) {
    const line = JSON.stringify({
      group_type: 'org',
      group_value: `g${i}`,
      properties: { plan: i % 3 === 0 ? 'pro' : 'free', seats: i % 500, region: `r${i % 7}` },
      version: 1,
    });
    if (!out.write(`${line}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'close');
}
