import { inject } from 'vitest';

export { pollUntil, uniqueName, type PollOptions } from '@groupidentify/local-services';

/** Redis started (or reused) by test/global-setup.ts. */
export function redisUrl(): string {
  return inject('redisUrl');
}

/** MongoDB wire server started (or reused) by test/global-setup.ts. */
export function mongoUrl(): string {
  return inject('mongoUrl');
}
