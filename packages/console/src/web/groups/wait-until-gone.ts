/** How a wait for a deleted group to disappear ended. */
export type WaitOutcome =
  | { status: 'gone' }
  /** Not gone at the deadline; `lastError`: why the last read failed, if it did (not a 404). */
  | { status: 'still-there'; lastError: unknown }
  | { status: 'aborted' };

export interface WaitOptions {
  /** Give up this long after the start (ms). */
  timeoutMs: number;
  /** Pause between reads (ms). */
  intervalMs: number;
  /** Stops the wait (the page moved on); the outcome is then `aborted`. */
  signal: AbortSignal;
  /** The clock and the pause, for tests; default `Date.now` and a timer. */
  now?: () => number;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/**
 * Reads until a read fails in the way `isGone` recognises (the group's 404), with a deadline.
 * Only that counts as gone: a read that succeeds means "not yet", and any other failure (the
 * server unreachable, a 503) is kept as `lastError` and the wait goes on.
 */
export async function waitUntilGone(
  read: () => Promise<unknown>,
  isGone: (error: unknown) => boolean,
  options: WaitOptions,
): Promise<WaitOutcome> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? pause;
  // A function, not the property: it turns true while a read or a pause is awaited.
  const aborted = (): boolean => options.signal.aborted;
  const deadline = now() + options.timeoutMs;
  let lastError: unknown;
  for (;;) {
    if (aborted()) return { status: 'aborted' };
    try {
      await read();
      lastError = undefined;
    } catch (error) {
      if (isGone(error)) return aborted() ? { status: 'aborted' } : { status: 'gone' };
      lastError = error;
    }
    if (aborted()) return { status: 'aborted' };
    if (now() >= deadline) return { status: 'still-there', lastError };
    await sleep(options.intervalMs, options.signal);
  }
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}
