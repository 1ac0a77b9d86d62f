import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY, retryDelayMs } from './retry-delay.js';

describe('retryDelayMs', () => {
  it('doubles from the base, between half and all of it, and never passes the cap', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200 }),
        fc.double({ min: 0, max: 0.999, noNaN: true }),
        (n, r) => {
          const ceiling = Math.min(DEFAULT_RETRY.capMs, DEFAULT_RETRY.baseMs * 2 ** (n - 1));
          const delay = retryDelayMs(n, DEFAULT_RETRY, () => r);
          expect(delay).toBeGreaterThanOrEqual(Math.floor(ceiling / 2));
          expect(delay).toBeLessThanOrEqual(ceiling);
        },
      ),
    );
  });

  it('reaches the 1 h cap and spreads retries made at the same failure count', () => {
    expect(retryDelayMs(1, DEFAULT_RETRY, () => 0)).toBe(500);
    expect(retryDelayMs(3, DEFAULT_RETRY, () => 0.999)).toBe(3998);
    expect(retryDelayMs(30, DEFAULT_RETRY, () => 0.999)).toBe(3_598_200);
    const spread = new Set(Array.from({ length: 50 }, () => retryDelayMs(10)));
    expect(spread.size).toBeGreaterThan(10);
  });

  it('adds up to more than 3 days within a bounded number of attempts', () => {
    let waited = 0;
    let attempts = 0;
    while (waited < 3 * 86_400_000) waited += retryDelayMs(++attempts, DEFAULT_RETRY, () => 0);
    expect(attempts).toBeLessThan(160);
  });
});
