import { describe, expect, it } from 'vitest';
import { formatCount } from '../format/numbers';
import { countText } from './count-text';

describe('countText', () => {
  it('says how many groups there are, or how many match a filter', () => {
    expect(countText(0, false)).toBe('0 groups');
    expect(countText(1, false)).toBe('1 group');
    expect(countText(14, false)).toBe('14 groups');
    expect(countText(0, true)).toBe('0 groups match');
    expect(countText(1, true)).toBe('1 group matches');
    expect(countText(2, true)).toBe('2 groups match');
  });

  it('groups the digits as the viewer’s locale does', () => {
    expect(countText(1_234_567, true)).toBe(`${formatCount(1_234_567)} groups match`);
  });
});
