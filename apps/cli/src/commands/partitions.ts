import { setTimeout as sleep } from 'node:timers/promises';
import {
  countPartitionJobs,
  partitionCountKey,
  recordedPartitionCount,
} from '@groupidentify/queue-contract';
import { CliError, UsageError } from '../cli-error.js';
import type { CliContext } from '../cli-context.js';
import type { Command } from '../command.js';
import { formatTable } from '../format-table.js';

async function recordedCount(ctx: CliContext): Promise<number | undefined> {
  return recordedPartitionCount(await ctx.redis(), ctx.config.QUEUE_PREFIX);
}

async function jobsPerPartition(ctx: CliContext, partitions: number): Promise<number[]> {
  const redis = await ctx.redis();
  const counts: number[] = [];
  for (let p = 0; p < partitions; p++)
    counts.push(await countPartitionJobs(redis, ctx.config.QUEUE_PREFIX, p));
  return counts;
}

const show: Command = {
  name: 'partitions show',
  synopsis: '',
  summary: 'print the partition count in use and the jobs each partition holds',
  async run(ctx) {
    const recorded = await recordedCount(ctx);
    const jobs = await jobsPerPartition(ctx, recorded ?? ctx.config.PARTITIONS);
    const json = { recorded: recorded ?? null, configured: ctx.config.PARTITIONS, jobs };
    const header = `partitions in use: ${recorded ?? '(none recorded yet)'}; PARTITIONS here: ${ctx.config.PARTITIONS}`;
    return {
      json,
      text: `${header}\n${formatTable(
        ['partition', 'jobs'],
        jobs.map((n, p) => [p, n]),
      )}`,
    };
  },
};

const DRAIN_POLL_MS = 1000;
const DRAIN_TIMEOUT_MS = 10 * 60_000;

/**
 * Changes the partition count safely (docs/guarantees.md: a count is fixed while jobs exist): waits until
 * every partition of the count in use is empty — stop ingest first, keep workers running — then
 * records the new count. Restart ingest and workers with PARTITIONS=<new count> afterwards.
 */
const resize: Command = {
  name: 'partitions resize',
  synopsis: '--to <count>',
  summary: 'wait until every partition is drained, then switch to a new partition count',
  required: ['to'],
  async run(ctx, { options }) {
    const to = Number(options.to);
    if (!Number.isInteger(to) || to < 1) throw new UsageError('--to must be a whole number ≥ 1');
    const from = (await recordedCount(ctx)) ?? ctx.config.PARTITIONS;
    const deadline = Date.now() + DRAIN_TIMEOUT_MS;
    for (;;) {
      const remaining = (await jobsPerPartition(ctx, from)).reduce((a, b) => a + b, 0);
      if (remaining === 0) break;
      if (Date.now() > deadline)
        throw new CliError(`still ${remaining} job(s) after 10 minutes: are the workers running?`);
      process.stderr.write(
        `partitions: waiting for ${remaining} job(s) to drain (stop ingest first)…\n`,
      );
      await sleep(DRAIN_POLL_MS);
    }
    await (await ctx.redis()).set(partitionCountKey(ctx.config.QUEUE_PREFIX), String(to));
    const json = { from, to };
    return {
      json,
      text: `partitions: ${from} → ${to}. Restart ingest and workers with PARTITIONS=${to}.`,
    };
  },
};

export const partitionCommands: readonly Command[] = [show, resize];
