import {
  destinationDetails,
  destinationView,
  type DestinationDetail,
  type DestinationStatus,
  type Store,
} from '@groupidentify/store';
import { checkNewDestination } from '@groupidentify/webhooks';
import { CliError, UsageError } from '../cli-error.js';
import type { Command } from '../command.js';
import { formatRecord, formatTable } from '../format-table.js';
import { requireProject } from '../not-found.js';

// Webhook destinations (docs/webhooks.md), as the API's /api/destinations manages them: the same
// checks, the same JSON shapes (--json).

const describe = (d: DestinationDetail): string =>
  formatRecord([
    ['id', d.id],
    ['url', d.url],
    ['group_type', d.group_type ?? '(every type)'],
    ['description', d.description],
    ['status', d.status],
    ['created_at', d.created_at],
    ['delivered', d.delivered],
    ['pending', d.pending],
    ['failing_since', d.failing_since],
    ['last_error', d.last_error],
  ]);

const create: Command = {
  name: 'destinations create',
  synopsis: '<url> --project <id> [--group-type <t>] [--description <d>]',
  summary: 'add a webhook destination; prints its signing secret (shown only now)',
  positionals: ['url'],
  required: ['project'],
  optional: ['group-type', 'description'],
  async run(ctx, { positionals, options }) {
    const project = options.project ?? '';
    const checked = await checkNewDestination(
      {
        url: positionals[0],
        ...(options['group-type'] === undefined ? {} : { group_type: options['group-type'] }),
        ...(options.description === undefined ? {} : { description: options.description }),
      },
      ctx.config.DESTINATIONS_ALLOW_PRIVATE,
    );
    if (!checked.ok) throw new UsageError(`${optionOf(checked.field)}: ${checked.reason}`);
    const store = await ctx.store();
    await requireProject(store, project);
    const made = await store.destinations.create({
      project,
      ...checked.fields,
      start: await store.feed.heads(project, await ctx.partitions()),
      now: new Date(),
    });
    const created = { ...destinationView(made), secret: made.secret };
    const text = [
      formatRecord([
        ['id', created.id],
        ['url', created.url],
        ['group_type', created.group_type ?? '(every type)'],
        ['description', created.description],
        ['secret', created.secret],
      ]),
      'The secret is shown only now: receivers verify the webhook-signature of every delivery with it.',
    ].join('\n');
    return { json: created, text };
  },
};

/** The option a field of the API's body is given by. */
const optionOf = (field: string): string =>
  field === 'url' ? '<url>' : field === 'group_type' ? '--group-type' : `--${field}`;

const list: Command = {
  name: 'destinations list',
  synopsis: '--project <id>',
  summary: "list a project's webhook destinations with their delivery (secrets are never shown)",
  required: ['project'],
  async run(ctx, { options }) {
    const project = options.project ?? '';
    const store = await ctx.store();
    await requireProject(store, project);
    const docs = await store.destinations.list(project);
    const items = await destinationDetails(store, project, docs, ctx.config.PARTITIONS);
    const text =
      items.length === 0
        ? `no destinations in project ${project} (add one with: destinations create <url> --project ${project})`
        : formatTable(
            [
              'ID',
              'STATUS',
              'URL',
              'GROUP_TYPE',
              'DELIVERED',
              'PENDING',
              'FAILING_SINCE',
              'LAST_ERROR',
            ],
            items.map((d) => [
              d.id,
              d.status,
              d.url,
              d.group_type,
              d.delivered,
              d.pending,
              d.failing_since,
              d.last_error,
            ]),
          );
    return { json: items, text };
  },
};

/** `pause` and `resume`: the destination after the change, with its delivery. */
function statusCommand(
  verb: 'pause' | 'resume',
  status: DestinationStatus,
  summary: string,
): Command {
  return {
    name: `destinations ${verb}`,
    synopsis: '<id> --project <id>',
    summary,
    positionals: ['id'],
    required: ['project'],
    async run(ctx, { positionals, options }) {
      const [id = ''] = positionals;
      const project = options.project ?? '';
      const store = await ctx.store();
      const doc = await store.destinations.setStatus(project, id, status, new Date());
      if (doc === undefined) throw await destinationNotFound(store, project, id);
      const [shown] = await destinationDetails(store, project, [doc], ctx.config.PARTITIONS);
      return { json: shown, text: describe(shown as DestinationDetail) };
    },
  };
}

const erase: Command = {
  name: 'destinations delete',
  synopsis: '<id> --project <id>',
  summary: 'delete a webhook destination and its delivery state',
  positionals: ['id'],
  required: ['project'],
  async run(ctx, { positionals, options }) {
    const [id = ''] = positionals;
    const project = options.project ?? '';
    const store = await ctx.store();
    if (!(await store.destinations.remove(project, id)))
      throw await destinationNotFound(store, project, id);
    return { json: { deleted: id }, text: `deleted destination ${id}` };
  },
};

async function destinationNotFound(store: Store, project: string, id: string): Promise<CliError> {
  await requireProject(store, project);
  return new CliError(`destination ${id} not found in project ${project}`);
}

export const destinationCommands: readonly Command[] = [
  create,
  list,
  statusCommand('pause', 'paused', 'pause deliveries to a destination'),
  statusCommand(
    'resume',
    'active',
    'resume deliveries to a paused or failing destination, retrying at once',
  ),
  erase,
];
