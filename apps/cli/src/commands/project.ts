import {
  ORDERINGS,
  type Ordering,
  type ProjectSettingsUpdate,
  type ProjectSummary,
} from '@groupidentify/store';
import { CliError, UsageError } from '../cli-error.js';
import { jsonOnly, type Command } from '../command.js';
import { formatTable } from '../format-table.js';

const create: Command = {
  name: 'project create',
  synopsis: '--name <name> [--ordering received|event_time]',
  summary: 'create a project; prints its keys (the secret is shown only now)',
  required: ['name'],
  optional: ['ordering'],
  async run(ctx, { options }) {
    const ordering = orderingOf(options.ordering) ?? 'received';
    const project = await (await ctx.store()).projects.create(options.name ?? '', { ordering });
    return jsonOnly(project);
  },
};

const list: Command = {
  name: 'project list',
  synopsis: '',
  summary: 'list projects (secret keys are stored hashed and never shown)',
  async run(ctx) {
    const projects = (await (await ctx.store()).projects.list()).map(listed);
    const text =
      projects.length === 0
        ? 'no projects (create one with: project create --name <name>)'
        : formatTable(
            ['ID', 'NAME', 'API_KEY', 'CREATED_AT', 'RATE_LIMIT', 'PUBLIC_ERASE', 'ORDERING'],
            projects.map((p) => [
              p.id,
              p.name,
              p.api_key,
              p.created_at,
              p.rate_limit_per_s === null ? 'default' : `${p.rate_limit_per_s}/s`,
              p.allow_public_erase ? 'allowed' : 'refused',
              p.ordering,
            ]),
          );
    return { json: projects, text };
  },
};

/** A project as `list` and `update` print it: the date as ISO text. */
function listed(p: ProjectSummary) {
  return { ...p, created_at: p.created_at?.toISOString() ?? null };
}

const update: Command = {
  name: 'project update',
  synopsis:
    '--id <id> [--rate-limit <n>|default] [--allow-public-erase true|false] [--ordering received|event_time]',
  summary: "change a project's settings; prints the project",
  required: ['id'],
  optional: ['rate-limit', 'allow-public-erase', 'ordering'],
  async run(ctx, { options }) {
    const settings = settingsOf(options['rate-limit'], options['allow-public-erase']);
    const ordering = orderingOf(options.ordering);
    if (ordering !== undefined) settings.ordering = ordering;
    if (Object.keys(settings).length === 0)
      throw new UsageError('project update needs --rate-limit, --allow-public-erase or --ordering');
    const id = options.id ?? '';
    const project = await (await ctx.store()).projects.update(id, settings);
    if (project === undefined) throw new CliError(`project ${id} not found`);
    return jsonOnly(listed(project));
  },
};

/** The largest `--rate-limit`: far above what one ingest process accepts. */
const MAX_RATE_LIMIT = 1_000_000_000;

function settingsOf(
  rateLimit: string | undefined,
  allowPublicErase: string | undefined,
): ProjectSettingsUpdate {
  const settings: ProjectSettingsUpdate = {};
  if (rateLimit === 'default') settings.rate_limit_per_s = null;
  else if (rateLimit !== undefined) {
    const n = Number(rateLimit);
    if (!/^\d+$/.test(rateLimit) || n < 1 || n > MAX_RATE_LIMIT)
      throw new UsageError(
        `--rate-limit must be an integer from 1 to ${MAX_RATE_LIMIT} (identifications per second) or default`,
      );
    settings.rate_limit_per_s = n;
  }
  if (allowPublicErase !== undefined) {
    if (allowPublicErase !== 'true' && allowPublicErase !== 'false')
      throw new UsageError('--allow-public-erase must be true or false');
    settings.allow_public_erase = allowPublicErase === 'true';
  }
  return settings;
}

/** `--ordering` (docs/semantics.md#event-time); undefined when not given. */
function orderingOf(text: string | undefined): Ordering | undefined {
  if (text === undefined) return undefined;
  const ordering = ORDERINGS.find((o) => o === text);
  if (ordering === undefined) throw new UsageError(`--ordering must be ${ORDERINGS.join(' or ')}`);
  return ordering;
}

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

export const projectCommands: readonly Command[] = [create, list, update, rotate];
