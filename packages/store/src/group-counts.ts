import type { Collections } from './collections.js';
import { encodeName } from './stored-form.js';

/**
 * How many live groups a project has, of one type or of every type, from the counts its change
 * feed heads keep (docs/storage.md#group-counts): one read of the project and one of its heads,
 * whatever the number of groups. Undefined when they cannot be trusted: a project created before
 * counts existed, or a partition whose counts wait for a recount after a race. The counts are as
 * of each partition's last commit, so a batch being written is counted once it commits.
 */
export async function maintainedCount(
  { projects, feedHeads }: Collections,
  project: string,
  groupType: string | undefined,
): Promise<number | undefined> {
  const doc = await projects.findOne({ _id: project }, { projection: { maintained_counts: 1 } });
  if (doc?.maintained_counts !== true) return undefined;
  const heads = await feedHeads
    .find({ project }, { projection: { counts: 1, counts_exact: 1 } })
    .toArray();
  let total = 0;
  const name = groupType === undefined ? undefined : encodeName(groupType);
  for (const head of heads) {
    if (head.counts === undefined || head.counts_exact === false) return undefined;
    if (name !== undefined) total += head.counts[name] ?? 0;
    else for (const n of Object.values(head.counts)) total += n;
  }
  return total;
}
