/** How long a failing change waits before its next attempt. */
export interface RetrySchedule {
  /** The first wait's upper bound (ms). */
  baseMs: number;
  /** No wait is longer (ms). */
  capMs: number;
}

/** 1 s doubling to at most 1 h. */
export const DEFAULT_RETRY: RetrySchedule = { baseMs: 1000, capMs: 3_600_000 };

/**
 * The wait before attempt `failures + 1` of a change that failed `failures` times: exponential
 * backoff with jitter: between half and all of `base · 2^(failures − 1)`, capped, so that many
 * destinations failing at once do not retry in step. `random` is in [0, 1).
 */
export function retryDelayMs(
  failures: number,
  schedule: RetrySchedule = DEFAULT_RETRY,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(schedule.capMs, schedule.baseMs * 2 ** Math.max(0, failures - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
