import { CliError } from '../cli-error.js';
import { jsonOnly, type Command } from '../command.js';
import { formatTable } from '../format-table.js';

const create: Command = {
  name: 'project create',
  synopsis: '--name <name>',
  summary: 'create a project; prints its keys (the secret is shown only now)',
  required: ['name'],
  async run(ctx, { options }) {
    const project = await (await ctx.store()).projects.create(options.name ?? '');
    return jsonOnly(project);
  },
};

const list: Command = {
  name: 'project list',
  synopsis: '',
  summary: 'list projects (secret keys are stored hashed and never shown)',
  async run(ctx) {
    const projects = (await (await ctx.store()).projects.list()).map((p) => ({
      ...p,
      created_at: p.created_at?.toISOString() ?? null,
    }));
    const text =
      projects.length === 0
        ? 'no projects (create one with: project create --name <name>)'
        : formatTable(
            ['ID', 'NAME', 'API_KEY', 'CREATED_AT'],
            projects.map((p) => [p.id, p.name, p.api_key, p.created_at]),
          );
    return { json: projects, text };
  },
};

const rotate: Command = {
  name: 'project rotate-keys',
  synopsis: '--id <id>',
  summary: 'replace both keys of a project; prints the new ones',
  required: ['id'],
  async run(ctx, { options }) {
    const id = options.id ?? '';
    const project = await (await ctx.store()).projects.rotateKeys(id);
    if (project === undefined) throw new CliError(`project ${id} not found`);
    return jsonOnly(project);
  },
};

export const projectCommands: readonly Command[] = [create, list, rotate];
