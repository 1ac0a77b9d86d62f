import type { GroupKey } from '@groupidentify/ops';
import type { Store } from '@groupidentify/store';
import { CliError } from './cli-error.js';

/** Fails with `project <id> not found` unless the project exists. */
export async function requireProject(store: Store, project: string): Promise<void> {
  if (!(await store.projects.exists(project))) throw new CliError(`project ${project} not found`);
}

/** The error for a group that is not there: of the group, or of its project if that is missing. */
export async function groupNotFound(store: Store, key: GroupKey): Promise<CliError> {
  await requireProject(store, key.project);
  return new CliError(
    `group ${key.group_type}/${key.group_value} not found in project ${key.project}`,
  );
}
