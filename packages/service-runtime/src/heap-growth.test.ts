import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { heapGrowingFlag, heapSettings } from './heap-growth.js';
import { parseSettings } from './settings.js';

const schema = z.object(heapSettings(50));

describe('HEAP_GROWING_PERCENT', () => {
  it('defaults to the default given: 50, the old generation grows by half past what survived', () => {
    const { HEAP_GROWING_PERCENT } = parseSettings(schema, {});
    expect(HEAP_GROWING_PERCENT).toBe(50);
    expect(heapGrowingFlag(HEAP_GROWING_PERCENT)).toBe('--heap-growing-percent=50');
  });

  it('0 leaves V8 its own heuristics', () => {
    const { HEAP_GROWING_PERCENT } = parseSettings(schema, { HEAP_GROWING_PERCENT: '0' });
    expect(heapGrowingFlag(HEAP_GROWING_PERCENT)).toBeUndefined();
  });

  it.each(['-1', '1.5', 'lots'])('refuses %s', (value) => {
    expect(() => parseSettings(schema, { HEAP_GROWING_PERCENT: value })).toThrow(
      /HEAP_GROWING_PERCENT/,
    );
  });
});
