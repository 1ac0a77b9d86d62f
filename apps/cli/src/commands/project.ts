import { createProject, rotateKeys } from '@groupidentify/store';
import { CliError } from '../cli-error.js';
import { jsonOnly, type Command } from '../command.js';
import { formatTable } from '../format-table.js';

const create: Command = {
  name: 'project create',
  synopsis: '--name <name>',
  summary: 'create a project; prints its keys (the secret is shown only now)',
  required: ['name'],
  async run(ctx, { options }) {
    const project = await createProject(await ctx.store(), options.name ?? '');
    return jsonOnly(project);
  },
};

const list: Command = {
  name: 'project list',
  synopsis: '',
  summary: 'list projects (secret keys are stored hashed and never shown)',
  async run(ctx) {
    const store = await ctx.store();
    const docs = await store.projects.find({}).sort({ created_at: 1, _id: 1 }).toArray();
    const projects = docs.map((p) => ({
      id: p._id,
      name: p.name,
      api_key: p.api_key,
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
    const project = await rotateKeys(await ctx.store(), id);
    if (project === undefined) throw new CliError(`project ${id} not found`);
    return jsonOnly(project);
  },
};

export const projectCommands: readonly Command[] = [create, list, rotate];
