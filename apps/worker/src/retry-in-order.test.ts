import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { retryInOrder, type RetryOptions } from './retry-in-order.js';

// retryInOrder waits with `node:timers/promises`, which vitest's fake timers do not reach: route it
// through the global setTimeout (faked below) so that the waits run on the fake clock.
vi.mock('node:timers/promises', async (importOriginal) => ({
  ...(await importOriginal<typeof import('node:timers/promises')>()),
  setTimeout: (ms: number) => new Promise<void>((resolve) => globalThis.setTimeout(resolve, ms)),
}));

class Transient extends Error {}
class Permanent extends Error {}

interface Retry {
  error: unknown;
  attempt: number;
  delayMs: number;
}

function options(overrides: Partial<RetryOptions> = {}): RetryOptions & { retries: Retry[] } {
  const retries: Retry[] = [];
  return {
    maxDelayMs: 5000,
    isTransient: (error) => error instanceof Transient,
    maxPermanentAttempts: 3,
    stopping: () => false,
    onRetry: (error, attempt, delayMs) => retries.push({ error, attempt, delayMs }),
    ...overrides,
    retries,
  };
}

/** `fn` failing with `errors`, one per call, then answering `value`. */
function failing<T>(errors: readonly Error[], value: T) {
  let calls = 0;
  const fn = vi.fn(() => {
    const error = errors[calls++];
    return error === undefined ? Promise.resolve(value) : Promise.reject(error);
  });
  return fn;
}

/** Settles `promise` by running the fake clock as far as needed. */
async function run<T>(promise: Promise<T>): Promise<T> {
  const settled = promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  await vi.runAllTimersAsync();
  const result = await settled;
  if (result.ok) return result.value;
  throw result.error;
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('retryInOrder', () => {
  it('answers the first success without retrying', async () => {
    const opts = options();
    const fn = failing([], 'ok');
    await expect(run(retryInOrder(fn, opts))).resolves.toBe('ok');
    expect(fn).toHaveBeenCalledTimes(1);
    expect(opts.retries).toEqual([]);
  });

  it('answers the success that follows failures', async () => {
    const opts = options();
    const fn = failing([new Transient('a'), new Permanent('b')], 42);
    await expect(run(retryInOrder(fn, opts))).resolves.toBe(42);
    expect(fn).toHaveBeenCalledTimes(3);
  });

  it('retries transient errors far beyond maxPermanentAttempts', async () => {
    const opts = options({ maxPermanentAttempts: 2 });
    const errors = Array.from({ length: 30 }, (_, i) => new Transient(`t${i}`));
    const fn = failing(errors, 'finally');
    await expect(run(retryInOrder(fn, opts))).resolves.toBe('finally');
    expect(fn).toHaveBeenCalledTimes(31);
    expect(opts.retries.map((r) => r.attempt)).toEqual(errors.map((_, i) => i + 1));
    expect(opts.retries.map((r) => r.error)).toEqual(errors);
  });

  it('gives up a permanent error after maxPermanentAttempts, letting that error out', async () => {
    const opts = options({ maxPermanentAttempts: 3 });
    const errors = [new Permanent('p1'), new Permanent('p2'), new Permanent('p3')];
    const fn = failing([...errors, new Permanent('never reached')], 'never');
    await expect(run(retryInOrder(fn, opts))).rejects.toBe(errors[2]);
    expect(fn).toHaveBeenCalledTimes(3);
    expect(opts.retries.map((r) => r.attempt)).toEqual([1, 2]);
  });

  it('gives up a permanent error at once when maxPermanentAttempts is 1', async () => {
    const opts = options({ maxPermanentAttempts: 1 });
    const error = new Permanent('p');
    const fn = failing([error], 'never');
    await expect(run(retryInOrder(fn, opts))).rejects.toBe(error);
    expect(fn).toHaveBeenCalledTimes(1);
    expect(opts.retries).toEqual([]);
  });

  it('stops at once when stopping, even on a transient error', async () => {
    const opts = options({ stopping: () => true });
    const error = new Transient('t');
    const fn = failing([error], 'never');
    await expect(run(retryInOrder(fn, opts))).rejects.toBe(error);
    expect(fn).toHaveBeenCalledTimes(1);
    expect(opts.retries).toEqual([]);
  });

  it('stops at the first failure after stopping turns true', async () => {
    let stopping = false;
    const opts = options({ stopping: () => stopping });
    const errors = Array.from({ length: 10 }, (_, i) => new Transient(`t${i}`));
    let calls = 0;
    const fn = vi.fn(() => {
      calls++;
      if (calls === 3) stopping = true;
      return Promise.reject(errors[calls - 1] ?? new Error('too many calls'));
    });
    await expect(run(retryInOrder(fn, opts))).rejects.toBe(errors[2]);
    expect(fn).toHaveBeenCalledTimes(3);
    expect(opts.retries.map((r) => r.attempt)).toEqual([1, 2]);
  });

  it('waits the announced delay before the next attempt', async () => {
    const announced: { at: number; delayMs: number }[] = [];
    const opts = options({
      onRetry: (_, __, delayMs) => announced.push({ at: Date.now(), delayMs }),
    });
    const fn = failing([new Transient('t'), new Transient('t')], 'ok');
    const result = retryInOrder(fn, opts);
    await vi.advanceTimersByTimeAsync(0);
    expect(fn).toHaveBeenCalledTimes(1);
    for (let attempt = 1; attempt <= 2; attempt++) {
      const { at, delayMs } = announced[attempt - 1] ?? { at: Number.NaN, delayMs: Number.NaN };
      expect(delayMs).toBeGreaterThan(1);
      await vi.advanceTimersByTimeAsync(at + Math.floor(delayMs) - 1 - Date.now());
      expect(fn).toHaveBeenCalledTimes(attempt); // not yet
      await vi.advanceTimersByTimeAsync(at + Math.ceil(delayMs) + 1 - Date.now());
      expect(fn).toHaveBeenCalledTimes(attempt + 1);
    }
    await expect(result).resolves.toBe('ok');
  });

  it('waits longer after each failure (without jitter), up to maxDelayMs', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.999999); // the longest wait of each attempt
    const opts = options({ maxDelayMs: 2000 });
    const fn = failing(
      Array.from({ length: 20 }, () => new Transient('t')),
      'ok',
    );
    await run(retryInOrder(fn, opts));
    const delays = opts.retries.map((r) => r.delayMs);
    expect(delays).toHaveLength(20);
    for (const d of delays) expect(d).toBeLessThanOrEqual(2000);
    const capped = delays.findIndex((d) => d > 2000 * 0.99);
    expect(capped).toBeGreaterThan(1); // it grew for a while before reaching the cap…
    for (let i = 1; i < capped; i++) expect(delays[i]).toBeGreaterThan(delays[i - 1] ?? Infinity);
    for (const d of delays.slice(capped)) expect(d).toBeGreaterThan(2000 * 0.99); // …then stays
  });

  it('keeps every delay within (0, maxDelayMs] whatever the jitter', async () => {
    for (const random of [0, 0.25, 0.5, 0.999999]) {
      vi.spyOn(Math, 'random').mockReturnValue(random);
      const opts = options({ maxDelayMs: 300 });
      const fn = failing(
        Array.from({ length: 25 }, () => new Transient('t')),
        'ok',
      );
      await run(retryInOrder(fn, opts));
      for (const { delayMs } of opts.retries) {
        expect(delayMs).toBeGreaterThan(0);
        expect(delayMs).toBeLessThanOrEqual(300);
      }
    }
  });
});
