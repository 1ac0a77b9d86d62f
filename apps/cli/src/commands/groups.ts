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

export const groupCommands: readonly Command[] = [get];
