import { setTimeout as delay } from 'node:timers/promises';

/** Resolves true after `ms`, or false as soon as `signal` aborts (at once if it already has). */
export async function sleep(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  try {
    await delay(ms, undefined, { signal });
    return true;
  } catch (error) {
    if (signal?.aborted === true) return false;
    throw error;
  }
}
