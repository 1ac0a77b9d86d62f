import type { Command } from '../command.js';
import type { GroupRef } from '@groupidentify/store';
import { formatTable } from '../format-table.js';
import { ReplayError, replayDeadLetters, type ReplayResult } from '@groupidentify/erasure';
import { CliError } from '../cli-error.js';
import { lazyPartitionQueues } from '../partition-queues.js';

const showGroup = (g: GroupRef | null): string =>
  g === null ? '(unreadable job)' : `${g.group_type}/${g.group_value} (project ${g.project})`;

const list: Command = {
  name: 'dead-letters list',
  synopsis: '',
  summary: 'list identifications that could not be applied, oldest first',
  async run(ctx) {
    const letters = await (await ctx.store()).deadLetters.list();
    const text =
      letters.length === 0
        ? 'no dead letters'
        : formatTable(
            ['ID', 'PARTITION', 'FAILED_AT', 'REPLAYED_AT', 'GROUP', 'REASON'],
            letters.map((l) => [
              l.id,
              l.partition,
              l.failed_at,
              l.replayed_at,
              showGroup(l.group),
              l.reason,
            ]),
          );
    return { json: letters, text };
  },
};

function describeReplay(result: ReplayResult): string {
  const lines = result.replayed.map(
    (r) => `replayed ${r.id} -> partition ${r.partition}, job ${r.job ?? '?'}`,
  );
  for (const s of result.skipped) lines.push(`skipped ${s.id}: ${s.reason}`);
  if (lines.length === 0) lines.push('nothing to replay (no dead letters that were not replayed)');
  else lines.push(`${result.replayed.length} replayed, ${result.skipped.length} skipped`);
  return lines.join('\n');
}

const replay: Command = {
  name: 'dead-letters replay',
  synopsis: '[--id <id>]',
  summary: 're-enqueue dead letters not replayed yet (or the one --id names)',
  optional: ['id'],
  async run(ctx, { options }) {
    const queues = lazyPartitionQueues(await ctx.redis(), ctx.config.QUEUE_PREFIX);
    try {
      const store = await ctx.store();
      const result = await replayDeadLetters(
        store,
        queues.queueOf,
        await ctx.partitions(),
        options.id,
      );
      return { json: result, text: describeReplay(result) };
    } catch (error) {
      if (error instanceof ReplayError) throw new CliError(error.message);
      throw error;
    } finally {
      await queues.close();
    }
  },
};

export const deadLetterCommands: readonly Command[] = [list, replay];
