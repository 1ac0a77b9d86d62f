import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { limitToOneConsumer } from '@groupidentify/queue-contract';
import type { ImportRunDocument, Store } from '@groupidentify/store';
import { CliError, UsageError } from '../cli-error.js';
import type { CliContext } from '../cli-context.js';
import type { Command } from '../command.js';
import { requireProject } from '../not-found.js';
import { lazyPartitionQueues } from '../partition-queues.js';
import { openImportFile } from '../import/import-file.js';
import { importLines, type ImportFormat } from '../import/import-lines.js';
import { ImportProgress } from '../import/import-progress.js';
import { queueImport } from '../import/queue-import.js';
import { waitApplied } from '../import/wait-applied.js';
import { deadLetteredLines } from '../import/dead-lettered-lines.js';

/**
 * `groups import` (docs/import.md): checks the whole file first, then queues each line as an
 * identification `$set`ting its properties, through the partition queues ingest writes, and
 * waits until the workers have applied the last of them.
 */
const importGroups: Command = {
  name: 'groups import',
  synopsis:
    '--project <id> [--format ndjson|csv] [--check] [--skip-bad <report>] [--resume] <file|->',
  summary: 'import groups from an export (NDJSON) or a CSV file, resumable (docs/import.md)',
  positionals: ['file'],
  required: ['project'],
  optional: ['format', 'check', 'skip-bad', 'resume'],
  async run(ctx, { positionals, options }) {
    const [source = '-'] = positionals;
    const project = options.project ?? '';
    const format = formatOf(options.format, source);
    const checkOnly = options.check === 'true';
    if (checkOnly && (options.resume !== undefined || options['skip-bad'] !== undefined))
      throw new UsageError('--check only checks the file: leave out --resume and --skip-bad');
    const store = await ctx.store();
    await requireProject(store, project);
    const file = await openImportFile(source, process.stdin);
    try {
      const checked = await checkFile(ctx, file.path, format, options['skip-bad']);
      const counts = `${checked.lines} lines, ${checked.bad} bad`;
      if (checkOnly) {
        if (checked.bad > 0) throw new CliError(`checked ${counts} (listed above)`);
        return { streamed: true, summary: `checked ${counts}: ready to import` };
      }
      if (checked.bad > 0 && options['skip-bad'] === undefined)
        throw new CliError(
          `${counts} (listed above): nothing imported. Fix them, or leave them out with --skip-bad <report file>`,
        );
      const run = await runToDo(store, project, file.sha256, format, checked.lines, options);
      if (typeof run === 'string') return { streamed: true, summary: run };
      return { streamed: true, summary: await queueAndWait(ctx, store, file.path, run) };
    } finally {
      await file.dispose();
    }
  },
};

function formatOf(option: string | undefined, source: string): ImportFormat {
  if (option === undefined) return source.toLowerCase().endsWith('.csv') ? 'csv' : 'ndjson';
  if (option === 'csv' || option === 'ndjson') return option;
  throw new UsageError(`--format must be ndjson or csv (got ${option})`);
}

/** Reads every line, reporting the bad ones on stderr (and in the report file, if any). */
async function checkFile(
  ctx: CliContext,
  path: string,
  format: ImportFormat,
  reportPath: string | undefined,
): Promise<{ lines: number; bad: number }> {
  const report = reportPath === undefined ? undefined : createWriteStream(reportPath);
  const progress = new ImportProgress(ctx.io.progress, 'checking', undefined);
  let lines = 0;
  let bad = 0;
  try {
    for await (const { line, text, row } of importLines(path, format)) {
      lines = line;
      if (!row.ok) {
        bad++;
        ctx.io.err(`line ${line}: ${row.reason}`);
        if (
          report !== undefined &&
          !report.write(`${JSON.stringify({ line, reason: row.reason, text })}\n`)
        )
          await once(report, 'drain');
      }
      progress.update(line);
    }
  } finally {
    progress.end();
    if (report !== undefined) {
      report.end();
      await once(report, 'close');
    }
  }
  return { lines, bad };
}

/** The run to queue: a new one, the unfinished one to resume, or why there is nothing to do. */
async function runToDo(
  store: Store,
  project: string,
  sha256: string,
  format: ImportFormat,
  lines: number,
  options: { resume?: string },
): Promise<ImportRunDocument | string> {
  const latest = await store.importRuns.latest(project, sha256);
  const resume = options.resume === 'true';
  if (latest !== undefined && latest.finished_at === undefined) {
    if (!resume)
      throw new CliError(
        `an import of this file into project ${project} (run ${latest._id}, started ${latest.started_at.toISOString()}) stopped after line ${latest.queued_through}: run the same command with --resume to finish it`,
      );
    if (latest.format !== format)
      throw new CliError(`run ${latest._id} read this file as ${latest.format}: resume it so`);
    return latest;
  }
  if (latest !== undefined && resume)
    return `nothing to resume: this file was imported into project ${project} completely (run ${latest._id}, ${latest.finished_at?.toISOString() ?? ''})`;
  const now = new Date();
  const run: ImportRunDocument = {
    _id: randomBytes(8).toString('hex'),
    project,
    file_sha256: sha256,
    format,
    lines,
    queued_through: 0,
    started_at: now,
    updated_at: now,
  };
  await store.importRuns.start(run);
  return run;
}

async function queueAndWait(
  ctx: CliContext,
  store: Store,
  path: string,
  run: ImportRunDocument,
): Promise<string> {
  const { QUEUE_PREFIX } = ctx.config;
  const PARTITIONS = await ctx.partitions();
  const queues = lazyPartitionQueues(await ctx.redis(), QUEUE_PREFIX);
  const { queueOf } = queues;
  const started = Date.now();
  if (run.queued_through > 0)
    ctx.io.err(
      `resuming run ${run._id} of project ${run.project} after line ${run.queued_through}`,
    );
  try {
    await Promise.all(Array.from({ length: PARTITIONS }, (_, p) => limitToOneConsumer(queueOf(p))));
    const queueing = new ImportProgress(ctx.io.progress, 'queueing', run.lines, run.queued_through);
    const ordering = (await store.projects.ordering(run.project)) ?? 'received';
    const queued = await queueImport(importLines(path, run.format), {
      project: { id: run.project, ordering },
      runId: run._id,
      partitions: PARTITIONS,
      queueOf,
      after: run.queued_through,
      checkpoint: (line) => store.importRuns.checkpoint(run._id, line, new Date()),
      progress: ({ line, waiting }) =>
        queueing.update(
          line,
          waiting === undefined ? undefined : `waiting for the workers (${waiting} jobs queued)`,
        ),
    });
    queueing.end();
    await store.importRuns.finish(run._id, new Date());
    const applying = new ImportProgress(ctx.io.progress, 'applying', undefined);
    const { failedJobs } = await waitApplied(queued.lastJobs, queueOf, (left) =>
      applying.note(`the workers are applying the last lines, in ${left} partitions`),
    );
    applying.end();
    const seconds = (Date.now() - started) / 1000;
    const summary = `imported ${queued.queued} lines into project ${run.project} in ${seconds.toFixed(1)} s (${Math.round(queued.queued / seconds)} lines/s; run ${run._id})`;
    const deadLettered = await deadLetteredLines(store, run._id);
    const problems = [
      ...(failedJobs > 0 ? [`${failedJobs} jobs failed`] : []),
      ...(deadLettered > 0
        ? [`${deadLettered} ${deadLettered === 1 ? 'line was' : 'lines were'} dead-lettered`]
        : []),
    ];
    if (problems.length > 0)
      throw new CliError(`${summary}, but ${problems.join(' and ')}: see dead-letters list`);
    return summary;
  } finally {
    await queues.close();
  }
}

export const importCommands: readonly Command[] = [importGroups];
