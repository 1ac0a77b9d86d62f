import type { RedisClient } from '../redis-connection.js';

/**
 * Whether any process serves the change feed now: a key each ingest sets, while it serves
 * pages, to last a minute. Workers put a batch's changes in its notice only while it is set
 * (docs/guarantees.md#notices): with no reader, building and parsing them would be work for
 * nothing.
 */
export const feedReadersKey = (prefix: string): string => `${prefix}:changes:readers`;

const LASTS_MS = 60_000;
const SET_EVERY_MS = 10_000;
const CHECK_EVERY_MS = 1_000;

/** Serving side: call on every page served; sets the key at most every 10 s (best effort). */
export function feedReadingReporter(redis: RedisClient, prefix: string): () => void {
  let setAt = -Infinity;
  return () => {
    const now = Date.now();
    if (now - setAt < SET_EVERY_MS) return;
    setAt = now;
    redis.set(feedReadersKey(prefix), '1', 'PX', LASTS_MS).catch(() => {
      setAt = -Infinity; // try again on the next page
    });
  };
}

/**
 * Worker side: whether the feed has readers, as last seen; looked up in the background at most
 * every second, so a batch never waits for it (the first batches after readers appear go without
 * their changes, and readers read those from the store).
 */
export function feedReadersPresent(redis: RedisClient, prefix: string): () => boolean {
  let present = false;
  let checkedAt = -Infinity;
  return () => {
    const now = Date.now();
    if (now - checkedAt >= CHECK_EVERY_MS) {
      checkedAt = now;
      redis.exists(feedReadersKey(prefix)).then(
        (n) => (present = n > 0),
        () => undefined, // keep what was known; the next check asks again
      );
    }
    return present;
  };
}
