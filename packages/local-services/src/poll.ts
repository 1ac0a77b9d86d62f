import { setTimeout as delay } from 'node:timers/promises';

export interface PollOptions {
  /** Give up after this long (ms). */
  timeoutMs: number;
  /** Pause between attempts (ms); default 50. */
  intervalMs?: number;
  /** Named in the timeout error. */
  description?: string;
  /** Checked before every attempt: an error here stops polling at once (e.g. the server died). */
  abortIf?: () => Error | undefined;
}

type Ready<T> = Exclude<Awaited<T>, undefined | null | false>;

/**
 * Calls `fn` until it returns something other than `undefined`/`null`/`false` and resolves with
 * that value. A throw counts as "not yet"; the last one is the cause of the timeout error. Tests and
 * servers use this instead of fixed sleeps, so they are as fast as the system allows and fail with
 * a reason instead of flaking.
 */
export async function pollUntil<T>(fn: () => T, options: PollOptions): Promise<Ready<T>> {
  const deadline = Date.now() + options.timeoutMs;
  const intervalMs = options.intervalMs ?? 50;
  let lastError: unknown;
  for (;;) {
    const aborted = options.abortIf?.();
    if (aborted) throw aborted;
    try {
      const value = await fn();
      if (value !== undefined && value !== null && value !== false) return value as Ready<T>;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const what = options.description ?? 'condition';
      throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${what}`, {
        cause: lastError,
      });
    }
    await delay(intervalMs);
  }
}
