import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';

export { pollUntil, type PollOptions } from '@groupidentify/local-services';

/** Redis started (or reused) by test/global-setup.ts. */
export function redisUrl(): string {
  return inject('redisUrl');
}

/** MongoDB wire server started (or reused) by test/global-setup.ts. */
export function mongoUrl(): string {
  return inject('mongoUrl');
}

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
