import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { pollUntil, uniqueName } from '@groupidentify/local-services';
import { feedReadersKey, feedReadersPresent, feedReadingReporter } from './feed-readers.js';

// Whether the change feed has readers, as ingest says it and workers read it, over a real Redis.
let redis: Redis;
beforeAll(() => {
  redis = new Redis(inject('redisUrl'));
});
afterAll(async () => {
  await redis.quit();
});

describe('feed readers', () => {
  it('are present for a minute after a page is served, as workers see within seconds', async () => {
    const prefix = uniqueName('gi_readers');
    const present = feedReadersPresent(redis, prefix);
    expect(present()).toBe(false); // not yet looked up
    feedReadingReporter(redis, prefix)();
    await pollUntil(async () => (await redis.pttl(feedReadersKey(prefix))) > 0, {
      timeoutMs: 5_000,
    });
    const ttl = await redis.pttl(feedReadersKey(prefix));
    expect(ttl).toBeGreaterThan(50_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
    // The first lookup ran before the key was set: the next one, a second later, sees it.
    await pollUntil(() => present(), { timeoutMs: 10_000, intervalMs: 100 });
  });

  it('are reported at most every 10 s by one process', async () => {
    const prefix = uniqueName('gi_readers');
    const report = feedReadingReporter(redis, prefix);
    report();
    await pollUntil(async () => (await redis.exists(feedReadersKey(prefix))) === 1, {
      timeoutMs: 5_000,
    });
    await redis.del(feedReadersKey(prefix));
    report();
    await redis.ping(); // after any SET sent by that call
    expect(await redis.exists(feedReadersKey(prefix))).toBe(0);
  });
});
