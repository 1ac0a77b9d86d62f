import { setTimeout as sleep } from 'node:timers/promises';

export interface RetryOptions {
  maxDelayMs: number;
  /** Whether the error may go away by itself; others are given up after `maxPermanentAttempts`. */
  isTransient: (error: unknown) => boolean;
  maxPermanentAttempts: number;
  /** True once the process is shutting down: stop retrying and let the error out. */
  stopping: () => boolean;
  onRetry: (error: unknown, attempt: number, delayMs: number) => void;
}

/**
 * Runs `fn` until it succeeds, waiting between attempts with capped exponential backoff and
 * jitter. Retrying here — not with BullMQ `attempts` — keeps the job at the head of its
 * partition, so order holds (docs/guarantees.md). Transient errors are retried for as long as it takes.
 */
export async function retryInOrder<T>(fn: () => Promise<T>, options: RetryOptions): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      const transient = options.isTransient(error);
      if (options.stopping() || (!transient && attempt >= options.maxPermanentAttempts))
        throw error;
      const delayMs =
        Math.min(options.maxDelayMs, 25 * 2 ** Math.min(attempt, 16)) * (0.5 + Math.random() / 2);
      options.onRetry(error, attempt, delayMs);
      await sleep(delayMs);
    }
  }
}
