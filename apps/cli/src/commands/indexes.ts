import type { PropertyIndex } from '@groupidentify/store';
import type { Command } from '../command.js';
import { formatTable } from '../format-table.js';
import { requireProject } from '../not-found.js';

const describeIndex = (i: PropertyIndex): string =>
  `${i.group_type}.${i.property} (project ${i.project}, index ${i.name})`;

const create: Command = {
  name: 'indexes create',
  synopsis: '--project <id> --type <t> --property <name>',
  summary: "index a property for 'where' queries (docs/api.md#finding-groups-by-property)",
  required: ['project', 'type', 'property'],
  async run(ctx, { options }) {
    const store = await ctx.store();
    await requireProject(store, options.project ?? '');
    const index = await store.propertyIndexes.create(
      options.project ?? '',
      options.type ?? '',
      options.property ?? '',
    );
    return { json: index, text: `indexed ${describeIndex(index)}` };
  },
};

const list: Command = {
  name: 'indexes list',
  synopsis: '[--project <id>]',
  summary: 'list the property indexes (of one project)',
  optional: ['project'],
  async run(ctx, { options }) {
    const indexes = await (await ctx.store()).propertyIndexes.list(options.project);
    const text =
      indexes.length === 0
        ? 'no property indexes'
        : formatTable(
            ['PROJECT', 'TYPE', 'PROPERTY', 'INDEX', 'CREATED_AT'],
            indexes.map((i) => [i.project, i.group_type, i.property, i.name, i.created_at]),
          );
    return { json: indexes, text };
  },
};

const drop: Command = {
  name: 'indexes drop',
  synopsis: '--project <id> --type <t> --property <name>',
  summary: 'drop a property index',
  required: ['project', 'type', 'property'],
  async run(ctx, { options }) {
    const [project, type, property] = [
      options.project ?? '',
      options.type ?? '',
      options.property ?? '',
    ];
    const dropped = await (await ctx.store()).propertyIndexes.drop(project, type, property);
    return {
      json: { dropped },
      text: dropped
        ? `dropped the index of ${type}.${property} (project ${project})`
        : `no index of ${type}.${property} in project ${project}`,
    };
  },
};

export const indexCommands: readonly Command[] = [create, list, drop];
