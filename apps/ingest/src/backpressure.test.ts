import { describe, expect, it } from 'vitest';
import { MAX_BACKPRESSURE_DELAY_MS, backpressureDelayMs } from './backpressure.js';

describe('backpressureDelayMs', () => {
  it.each([
    [0, 500, 0],
    [0.5, 500, 0],
    [0.75, 500, 250],
    [1.2, 500, 700],
    [30, 500, MAX_BACKPRESSURE_DELAY_MS],
    [30, 0, 0],
  ])('a lag of %s s over a threshold of %s ms holds the answer %s ms', (lag, threshold, delay) => {
    expect(backpressureDelayMs(lag, threshold)).toBe(delay);
  });
});
