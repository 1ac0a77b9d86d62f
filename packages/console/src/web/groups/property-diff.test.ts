import { describe, expect, it } from 'vitest';
import { diffProperties, sameJson } from './property-diff';

describe('diffProperties', () => {
  it('lists added, removed and changed properties by name, and nothing unchanged', () => {
    expect(
      diffProperties(
        { plan: 'free', seats: 1, gone: true, same: { a: [1, 2] } },
        { plan: 'pro', seats: 1, fresh: null, same: { a: [1, 2] } },
      ),
    ).toStrictEqual([
      { name: 'fresh', kind: 'added', to: null },
      { name: 'gone', kind: 'removed', from: true },
      { name: 'plan', kind: 'changed', from: 'free', to: 'pro' },
    ]);
  });

  it('takes names as data, __proto__ included', () => {
    const after = JSON.parse('{"__proto__": 1, "constructor": 2}') as Record<string, number>;
    expect(diffProperties({}, after).map((d) => d.name)).toStrictEqual([
      '__proto__',
      'constructor',
    ]);
  });
});

describe('sameJson', () => {
  it('ignores object key order but not array order', () => {
    expect(sameJson({ a: 1, b: [1, 2] }, { b: [1, 2], a: 1 })).toBe(true);
    expect(sameJson([1, 2], [2, 1])).toBe(false);
    expect(sameJson({ a: null }, {})).toBe(false);
    expect(sameJson([null], [])).toBe(false);
    expect(sameJson(1, '1')).toBe(false);
  });
});
