import { decodeProperties, groupId } from '@groupidentify/ops';
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
    const doc = await store.groups.findOne({ _id: groupId({ project, group_type, group_value }) });
    if (doc === null) {
      const known = (await store.projects.countDocuments({ _id: project }, { limit: 1 })) > 0;
      throw new CliError(
        known
          ? `group ${group_type}/${group_value} not found in project ${project}`
          : `project ${project} not found`,
      );
    }
    // The read API's shape (SPEC §5), so scripts can use either.
    const group = {
      group_type,
      group_value,
      properties: decodeProperties(doc.properties),
      version: doc.version,
      created_at: doc.created_at.toISOString(),
      updated_at: doc.updated_at.toISOString(),
    };
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

export const groupCommands: readonly Command[] = [get];
