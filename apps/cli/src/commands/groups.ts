import { groupKnown } from '@groupidentify/erasure';
import {
  enqueueJobs,
  limitToOneConsumer,
  openPartitionQueue,
  partitionOf,
} from '@groupidentify/queue-contract';
import { parseInstant, parseWhere } from '@groupidentify/ops';
import { UsageError } from '../cli-error.js';
import { groupNotFound, requireProject } from '../not-found.js';
import type { Command } from '../command.js';
import { formatRecord } from '../format-table.js';

const get: Command = {
  name: 'groups get',
  synopsis: '<type> <value> --project <id>',
  summary: "print a group's properties, version and times",
  positionals: ['type', 'value'],
  required: ['project'],
  async run(ctx, { positionals, options }) {
    const [group_type = '', group_value = ''] = positionals;
    const project = options.project ?? '';
    const store = await ctx.store();
    // The read API's shape, so scripts can use either.
    const group = await store.groups.view({ project, group_type, group_value });
    if (group === undefined) throw await groupNotFound(store, { project, group_type, group_value });
    const text = [
      formatRecord([
        ['project', project],
        ['group_type', group_type],
        ['group_value', group_value],
        ['version', group.version],
        ['created_at', group.created_at],
        ['updated_at', group.updated_at],
      ]),
      'properties:',
      JSON.stringify(group.properties, null, 2),
    ].join('\n');
    return { json: group, text };
  },
};

const erase: Command = {
  name: 'groups delete',
  synopsis: '<type> <value> --project <id>',
  summary: 'erase a group: queued in order with its identifications (docs/api.md)',
  positionals: ['type', 'value'],
  required: ['project'],
  async run(ctx, { positionals, options }) {
    const [group_type = '', group_value = ''] = positionals;
    const key = { project: options.project ?? '', group_type, group_value };
    const store = await ctx.store();
    const redis = await ctx.redis();
    const partition = partitionOf(key, await ctx.partitions());
    const queue = openPartitionQueue(redis, ctx.config.QUEUE_PREFIX, partition);
    try {
      if (!(await groupKnown(queue, store, key))) throw await groupNotFound(store, key);
      await limitToOneConsumer(queue);
      const [job] = await enqueueJobs(queue, [
        { v: 1, items: [{ kind: 'delete', ...key, received_at: Date.now() }] },
      ]);
      const result = { status: 'accepted', partition, job: job ?? null };
      return {
        json: result,
        text: `erasure of ${group_type}/${group_value} queued (partition ${partition}, job ${job ?? '?'})`,
      };
    } finally {
      await queue.close();
    }
  },
};

const PROGRESS_EVERY_MS = 1_000;

const exportGroups: Command = {
  name: 'groups export',
  synopsis: '--project <id> [--type <t>] [--as-of <time>] [--where <json>]',
  summary: 'write groups as NDJSON to stdout, as GET /api/export (progress on stderr)',
  required: ['project'],
  optional: ['type', 'as-of', 'where'],
  async run(ctx, { options }) {
    const project = options.project ?? '';
    const asOf = options['as-of'] === undefined ? undefined : instantOption(options['as-of']);
    let where;
    if (options.where !== undefined) {
      const parsed = parseWhere(options.where);
      if (!parsed.ok) throw new UsageError(`--where: ${parsed.reason}`);
      where = parsed.where;
    }
    const store = await ctx.store();
    await requireProject(store, project);
    ctx.io.err(
      `exporting the groups of project ${project}${options.type === undefined ? '' : ` of type ${options.type}`}${asOf === undefined ? '' : ` as of ${asOf.toISOString()}`}…`,
    );
    const started = Date.now();
    let exported = 0;
    let shownAt = started;
    for await (const group of store.groups.exportAll(project, {
      groupType: options.type,
      asOf,
      where,
    })) {
      await ctx.io.write(`${JSON.stringify(group)}\n`);
      exported++;
      if (Date.now() - shownAt >= PROGRESS_EVERY_MS) {
        shownAt = Date.now();
        ctx.io.err(`exported ${exported} groups so far…`);
      }
    }
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    return { streamed: true, summary: `exported ${exported} groups in ${seconds} s` };
  },
};

function instantOption(text: string): Date {
  const at = parseInstant(text);
  if (at === undefined)
    throw new UsageError(
      `--as-of must be an ISO-8601 date-time, e.g. 2026-01-31T12:00:00Z (got ${text})`,
    );
  return at;
}

export const groupCommands: readonly Command[] = [get, erase, exportGroups];
