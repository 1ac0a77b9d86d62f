import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bucketCapacity, takeTokens, type TokenBucket } from './token-bucket.js';

describe('takeTokens', () => {
  it('a new bucket is full: one second of the rate at once, then not one more', () => {
    const first = takeTokens(undefined, 20_000, 20_000, 1000);
    expect(first.ok).toBe(true);
    const next = takeTokens(first.bucket, 1, 20_000, 1000);
    expect(next).toMatchObject({ ok: false, retryAfterMs: 1 });
  });

  it('refuses all or nothing, and says how long until there is room', () => {
    const start = takeTokens(undefined, 1500, 2000, 0); // 500 left
    const refused = takeTokens(start.bucket, 1000, 2000, 0);
    expect(refused).toEqual({ ok: false, bucket: { tokens: 500, at: 0 }, retryAfterMs: 250 });
    expect(takeTokens(refused.bucket, 1000, 2000, 249).ok).toBe(false);
    expect(takeTokens(refused.bucket, 1000, 2000, 250)).toEqual({
      ok: true,
      bucket: { tokens: 0, at: 250 },
    });
  });

  it('refills at the rate, never above the capacity', () => {
    const empty = takeTokens(undefined, 5000, 5000, 0).bucket;
    expect(takeTokens(empty, 1000, 5000, 200).ok).toBe(true);
    expect(takeTokens(empty, 1001, 5000, 200).ok).toBe(false);
    const rested = takeTokens(empty, 0, 5000, 60_000).bucket;
    expect(rested.tokens).toBe(5000);
  });

  it('holds at least one full request when the rate is lower', () => {
    expect(bucketCapacity(10)).toBe(1024);
    const full = takeTokens(undefined, 1024, 10, 0);
    expect(full.ok).toBe(true);
    // Then 100 s until the next full request.
    expect(takeTokens(full.bucket, 1024, 10, 0)).toMatchObject({
      ok: false,
      retryAfterMs: 102_400,
    });
  });

  it('admits a request larger than the bucket when the bucket is full, and empties it', () => {
    const taken = takeTokens(undefined, 5000, 1000, 0);
    expect(taken).toEqual({ ok: true, bucket: { tokens: 0, at: 0 } });
  });

  it('a clock going back refills nothing', () => {
    const bucket: TokenBucket = { tokens: 0, at: 1000 };
    expect(takeTokens(bucket, 1, 1000, 500)).toMatchObject({ ok: false, bucket });
  });

  const takes = fc.array(
    fc.record({
      gapMs: fc.integer({ min: 0, max: 2000 }),
      count: fc.integer({ min: 1, max: 1024 }),
    }),
    { maxLength: 200 },
  );

  it('never admits more than the capacity plus what the rate refilled since the start', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 50_000 }), takes, (rate, sequence) => {
        let bucket: TokenBucket | undefined;
        let now = 0;
        let admitted = 0;
        for (const { gapMs, count } of sequence) {
          now += gapMs;
          const taken = takeTokens(bucket, count, rate, now);
          bucket = taken.bucket;
          if (taken.ok) admitted += count;
        }
        expect(admitted).toBeLessThanOrEqual(bucketCapacity(rate) + (rate * now) / 1000 + 1e-6);
      }),
    );
  });

  it('a refused request is admitted when it comes back after retryAfterMs', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 50_000 }), takes, (rate, sequence) => {
        let bucket: TokenBucket | undefined;
        let now = 0;
        for (const { gapMs, count } of sequence) {
          now += gapMs;
          const taken = takeTokens(bucket, count, rate, now);
          bucket = taken.bucket;
          if (taken.ok) continue;
          expect(taken.retryAfterMs).toBeGreaterThanOrEqual(1);
          expect(takeTokens(bucket, count, rate, now + taken.retryAfterMs).ok).toBe(true);
        }
      }),
    );
  });
});
