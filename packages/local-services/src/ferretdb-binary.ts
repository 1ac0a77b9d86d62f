import { homedir } from 'node:os';
import { join } from 'node:path';
import { isExecutable } from './find-executable.js';

/** The FerretDB release scripts/setup.sh builds; keep the two in step. */
export const FERRETDB_VERSION = 'v1.24.2';
/** scripts/setup.sh's FERRETDB_PATCHLEVEL: which of scripts/ferretdb/*.patch the build holds. */
export const FERRETDB_PATCHLEVEL = 'p10';

/** Where scripts/setup.sh installs FerretDB: `$FERRETDB_BIN`, else the shared tools dir. */
export function ferretdbBinaryPath(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env['FERRETDB_BIN'];
  if (explicit) return explicit;
  const tools = env['GROUPIDENTIFY_TOOLS'] || join(homedir(), '.cache', 'groupidentify', 'bin');
  return join(tools, `ferretdb-${FERRETDB_VERSION}-${FERRETDB_PATCHLEVEL}`);
}

/** The installed FerretDB binary, or an error that says how to get it. */
export function requireFerretdbBinary(env: NodeJS.ProcessEnv = process.env): string {
  const path = ferretdbBinaryPath(env);
  if (!isExecutable(path)) {
    throw new Error(
      `No MongoDB wire server: mongod is not on PATH and FerretDB is not at ${path}. ` +
        'Run `npm run setup` to build it (or set MONGO_URL / FERRETDB_BIN).',
    );
  }
  return path;
}
