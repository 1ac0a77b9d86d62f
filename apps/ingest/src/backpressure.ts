/** The longest an answer is held back, however far the workers lag. */
export const MAX_BACKPRESSURE_DELAY_MS = 1000;

/**
 * How long to hold back the answer to a request whose identifications went to partitions whose
 * oldest waiting job has waited `lagSeconds` (docs/guarantees.md#backpressure): nothing up to
 * `thresholdMs`, then the excess, up to {@link MAX_BACKPRESSURE_DELAY_MS}. A client that sends as
 * fast as it is answered then slows down to about what the workers apply, instead of piling up a
 * backlog that makes every identification late; what it sent is enqueued before the wait.
 * `thresholdMs` 0 turns it off.
 */
export function backpressureDelayMs(lagSeconds: number, thresholdMs: number): number {
  if (thresholdMs <= 0) return 0;
  const excess = Math.round(lagSeconds * 1000 - thresholdMs);
  return excess <= 0 ? 0 : Math.min(MAX_BACKPRESSURE_DELAY_MS, excess);
}
