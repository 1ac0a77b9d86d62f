import { randomBytes } from 'node:crypto';

/**
 * A name no other test file (or earlier run against the same server) uses, for a database or a
 * queue prefix: `<prefix>_<pid>_<random>`. Only [a-z0-9_], short enough for MongoDB's 63-byte
 * database names, and safe inside a Redis hash tag.
 */
export function uniqueName(prefix: string): string {
  const clean = prefix
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_')
    .slice(0, 40);
  return `${clean}_${process.pid.toString(36)}_${randomBytes(4).toString('hex')}`;
}

/** `url` (a MongoDB URL) with its database set to `database`. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}
