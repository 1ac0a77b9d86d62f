import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { openStore, type ProjectWithKeys, type Store } from '@groupidentify/store';
import { say } from './log.js';

const saved = z.object({
  id: z.string(),
  name: z.string(),
  api_key: z.string(),
  secret_key: z.string(),
  // Keys saved before projects had an ordering are of a `received` project.
  ordering: z.enum(['received', 'event_time']).default('received'),
});

async function readSaved(file: string): Promise<ProjectWithKeys | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined; // first run
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined; // damaged: a new demo project replaces it
  }
  const parsed = saved.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}

/** Why saved keys cannot be used with this database, or undefined when they can. */
async function staleBecause(store: Store, keys: ProjectWithKeys): Promise<string | undefined> {
  if (!(await store.projects.exists(keys.id))) return `project ${keys.id} is not in this database`;
  if (!(await store.projects.hasKeys(keys))) return `the keys of project ${keys.id} were rotated`;
  return undefined;
}

/**
 * The demo project: the one saved in `file` if it still exists with those keys, else a new one,
 * saved there. The file is the only copy of the secret key (the database keeps only its hash).
 */
export async function ensureDemoProject(mongoUrl: string, file: string): Promise<ProjectWithKeys> {
  const store = await openStore(mongoUrl);
  try {
    const keys = await readSaved(file);
    if (keys !== undefined) {
      const stale = await staleBecause(store, keys);
      if (stale === undefined) {
        say(`demo project: reusing ${keys.id} (keys from ${file})`);
        return keys;
      }
      say(`demo project: ${stale}; creating a new one…`);
    } else {
      say('demo project: creating one (first run)…');
    }
    const project = await store.projects.create('demo');
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, `${JSON.stringify(project, null, 2)}\n`, { mode: 0o600 });
    say(`demo project: created ${project.id}, keys saved in ${file}`);
    return project;
  } finally {
    await store.close();
  }
}
