import {
  enqueueJobs,
  limitToOneConsumer,
  openPartitionQueue,
  partitionOf,
  queuedForGroup,
} from '@groupidentify/queue-contract';
import { CliError } from '../cli-error.js';
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
    if (group === undefined) {
      throw new CliError(
        (await store.projects.exists(project))
          ? `group ${group_type}/${group_value} not found in project ${project}`
          : `project ${project} not found`,
      );
    }
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
    const partition = partitionOf(key, ctx.config.PARTITIONS);
    const queue = openPartitionQueue(redis, ctx.config.QUEUE_PREFIX, partition);
    try {
      // Queue first, then store (see ingest's erase route).
      if (!(await queuedForGroup(queue, key)) && !(await store.groups.everWritten(key))) {
        throw new CliError(
          (await store.projects.exists(key.project))
            ? `group ${group_type}/${group_value} not found in project ${key.project}`
            : `project ${key.project} not found`,
        );
      }
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

export const groupCommands: readonly Command[] = [get, erase];
