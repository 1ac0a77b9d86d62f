import { afterAll, afterEach } from 'vitest';

/** Something a test started and must undo, even when the test fails. */
export type Cleanup = () => unknown;

/**
 * Registers a hook that undoes, newest first, everything passed to the returned `defer` — after
 * each test (`'each'`) or after the file's tests (`'all'`). Replaces a hand-kept cleanup list.
 */
export function deferCleanups(when: 'each' | 'all'): (cleanup: Cleanup) => void {
  const pending: Cleanup[] = [];
  (when === 'each' ? afterEach : afterAll)(async () => {
    for (const cleanup of pending.splice(0).reverse()) await cleanup();
  });
  return (cleanup) => {
    pending.push(cleanup);
  };
}
