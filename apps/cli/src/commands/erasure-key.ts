import type { Command } from '../command.js';
import { requireProject } from '../not-found.js';

/**
 * `project erasure-key`: the key of the hashes that the project's erasures leave in the change
 * feed (docs/api.md#change-feed), for a reader that matches them with the values it knows. Made
 * now if the project has not erased anything yet.
 */
const erasureKey: Command = {
  name: 'project erasure-key',
  synopsis: '--project <id>',
  summary: "print the key of the project's erasure hashes (HMAC-SHA256 of group_value)",
  required: ['project'],
  async run(ctx, { options }) {
    const project = options.project ?? '';
    const store = await ctx.store();
    await requireProject(store, project);
    const key = await store.erasureKeys.keyOf(project);
    return { json: { project, erasure_key: key }, text: key };
  },
};

export const erasureKeyCommands: readonly Command[] = [erasureKey];
