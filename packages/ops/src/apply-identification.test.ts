import { describe, expect, it } from 'vitest';
import { applyIdentification } from './apply-identification.js';
import type { JsonObject } from './json.js';
import { LIMITS } from './limits.js';

interface Case {
  name: string;
  current: JsonObject;
  ops: JsonObject;
  expected: JsonObject;
}

const range = (n: number, from = 0): number[] => Array.from({ length: n }, (_, i) => from + i);

// One row per rule of docs/semantics.md (table and rules 1, 3, 5, 7).
const cases: Case[] = [
  {
    name: 'plain keys are a $set',
    current: { a: 1 },
    ops: { a: 2, b: 'x' },
    expected: { a: 2, b: 'x' },
  },
  { name: '{} is a no-op', current: { a: 1 }, ops: {}, expected: { a: 1 } },
  {
    name: '$set overwrites and creates',
    current: { a: 1 },
    ops: { $set: { a: [1], b: null } },
    expected: { a: [1], b: null },
  },
  {
    name: '$setOnce sets an absent property on an existing group',
    current: { a: 1 },
    ops: { $setOnce: { b: 2 } },
    expected: { a: 1, b: 2 },
  },
  {
    name: '$setOnce keeps a present property',
    current: { a: 1 },
    ops: { $setOnce: { a: 2 } },
    expected: { a: 1 },
  },
  {
    name: '$setOnce treats a present null as present',
    current: { a: null },
    ops: { $setOnce: { a: 2 } },
    expected: { a: null },
  },
  {
    name: '$add to an absent property starts at 0',
    current: {},
    ops: { $add: { n: 5 } },
    expected: { n: 5 },
  },
  {
    name: '$add sums numbers',
    current: { n: 1.5 },
    ops: { $add: { n: -3 } },
    expected: { n: -1.5 },
  },
  {
    name: '$add accepts a numeric string operand',
    current: { n: 1 },
    ops: { $add: { n: '5' } },
    expected: { n: 6 },
  },
  {
    name: '$add onto a numeric string stores a number',
    current: { n: '10' },
    ops: { $add: { n: 1 } },
    expected: { n: 11 },
  },
  {
    name: '$add onto a non-numeric string is skipped',
    current: { n: 'ten' },
    ops: { $add: { n: 1 } },
    expected: { n: 'ten' },
  },
  {
    name: '$add onto an array is skipped',
    current: { n: [1] },
    ops: { $add: { n: 1 } },
    expected: { n: [1] },
  },
  {
    name: '$add onto null is skipped',
    current: { n: null },
    ops: { $add: { n: 1 } },
    expected: { n: null },
  },
  {
    name: '$append to absent starts a list',
    current: {},
    ops: { $append: { l: 'a' } },
    expected: { l: ['a'] },
  },
  {
    name: '$append to a scalar wraps it first',
    current: { l: 'x' },
    ops: { $append: { l: 'a' } },
    expected: { l: ['x', 'a'] },
  },
  {
    name: '$append of an array appends each value in order',
    current: { l: [1] },
    ops: { $append: { l: [2, 3] } },
    expected: { l: [1, 2, 3] },
  },
  {
    name: '$append keeps duplicates',
    current: { l: [1] },
    ops: { $append: { l: 1 } },
    expected: { l: [1, 1] },
  },
  {
    name: '$prepend keeps the operand order',
    current: { l: ['c'] },
    ops: { $prepend: { l: ['a', 'b'] } },
    expected: { l: ['a', 'b', 'c'] },
  },
  {
    name: '$prepend to a scalar wraps it first',
    current: { l: 3 },
    ops: { $prepend: { l: 1 } },
    expected: { l: [1, 3] },
  },
  {
    name: '$preInsert adds only missing values, in front',
    current: { l: ['b'] },
    ops: { $preInsert: { l: ['a', 'b', 'a'] } },
    expected: { l: ['a', 'b'] },
  },
  {
    name: '$postInsert adds only missing values, at the end',
    current: { l: ['b'] },
    ops: { $postInsert: { l: ['b', 'c'] } },
    expected: { l: ['b', 'c'] },
  },
  {
    name: '$postInsert compares objects deeply, regardless of key order',
    current: { l: [{ x: 1, y: [2] }] },
    ops: { $postInsert: { l: [{ y: [2], x: 1 }, { x: 2 }] } },
    expected: { l: [{ x: 1, y: [2] }, { x: 2 }] },
  },
  {
    name: '$preInsert compares nested arrays deeply',
    current: { l: [[1, 2]] },
    ops: {
      $preInsert: {
        l: [
          [1, 2],
          [2, 1],
        ],
      },
    },
    expected: {
      l: [
        [2, 1],
        [1, 2],
      ],
    },
  },
  {
    name: '$remove removes every deep-equal element',
    current: { l: [{ a: 1, b: 2 }, 1, { b: 2, a: 1 }, 2] },
    ops: { $remove: { l: [{ b: 2, a: 1 }, 2] } },
    expected: { l: [1] },
  },
  {
    name: '$remove on an absent property changes nothing',
    current: { a: 1 },
    ops: { $remove: { l: 1 } },
    expected: { a: 1 },
  },
  {
    name: '$remove on a scalar wraps it first',
    current: { l: 'x' },
    ops: { $remove: { l: 'y' } },
    expected: { l: ['x'] },
  },
  {
    name: '$remove the scalar itself leaves an empty list',
    current: { l: 'x' },
    ops: { $remove: { l: 'x' } },
    expected: { l: [] },
  },
  {
    name: '$unset removes',
    current: { a: 1, b: 2 },
    ops: { $unset: { a: '-' } },
    expected: { b: 2 },
  },
  {
    name: '$unset of an absent property is a no-op',
    current: { b: 2 },
    ops: { $unset: { a: '-' } },
    expected: { b: 2 },
  },
  {
    name: '$clearAll removes everything',
    current: { a: 1, b: 2 },
    ops: { $clearAll: '-' },
    expected: {},
  },
  {
    name: '$clearAll applies before the other operations',
    current: { a: 1, n: 5 },
    ops: { $set: { b: 1 }, $add: { n: 1 }, $clearAll: '-' },
    expected: { b: 1, n: 1 },
  },
  {
    name: '$clearAll then $setOnce sets',
    current: { a: 1 },
    ops: { $setOnce: { a: 2 }, $clearAll: '-' },
    expected: { a: 2 },
  },
  {
    name: 'order: $unset before $set whatever the key order',
    current: { a: 1 },
    ops: { $set: { b: 2 }, $unset: { a: '-' } },
    expected: { b: 2 },
  },
  {
    name: 'conflict: the first operation in rule-1 order takes the property',
    current: {},
    ops: { $add: { p: 1 }, $set: { p: 'x' } },
    expected: { p: 'x' },
  },
  {
    name: 'conflict: $unset beats $set',
    current: { p: 1 },
    ops: { $set: { p: 2 }, $unset: { p: '-' } },
    expected: {},
  },
  {
    name: 'conflict: $setOnce beats $append',
    current: {},
    ops: { $append: { p: 1 }, $setOnce: { p: 0 } },
    expected: { p: 0 },
  },
  {
    name: 'plain keys apply after operations and override them',
    current: {},
    ops: { p: 'plain', $set: { p: 'op' }, $add: { n: 1 } },
    expected: { p: 'plain', n: 1 },
  },
  {
    name: 'plain keys override $unset',
    current: { p: 1 },
    ops: { $unset: { p: '-' }, p: 2 },
    expected: { p: 2 },
  },
  {
    name: 'values: null, nested objects, arrays of objects',
    current: {},
    ops: { $set: { o: { a: { b: [{ c: null }] } } } },
    expected: { o: { a: { b: [{ c: null }] } } },
  },
  {
    name: 'names with dots, $, spaces, unicode',
    current: {},
    ops: { 'a.b': 1, $set: { $x: 2, ' s ': 3, 'ünï🎉': 4, constructor: 5 } },
    expected: { 'a.b': 1, $x: 2, ' s ': 3, 'ünï🎉': 4, constructor: 5 },
  },
  {
    name: '$append keeps the last 10,000 elements',
    current: { l: range(LIMITS.maxArrayLength) },
    ops: { $append: { l: ['new1', 'new2'] } },
    expected: { l: [...range(LIMITS.maxArrayLength - 2, 2), 'new1', 'new2'] },
  },
  {
    name: '$prepend keeps the first 10,000 elements',
    current: { l: range(LIMITS.maxArrayLength) },
    ops: { $prepend: { l: ['new1', 'new2'] } },
    expected: { l: ['new1', 'new2', ...range(LIMITS.maxArrayLength - 2)] },
  },
  {
    name: '$postInsert drops from the front at the cap',
    current: { l: range(LIMITS.maxArrayLength) },
    ops: { $postInsert: { l: [0, 'n'] } },
    expected: { l: [...range(LIMITS.maxArrayLength - 1, 1), 'n'] },
  },
  {
    name: '$preInsert drops from the back at the cap',
    current: { l: range(LIMITS.maxArrayLength) },
    ops: { $preInsert: { l: ['n', 5] } },
    expected: { l: ['n', ...range(LIMITS.maxArrayLength - 1)] },
  },
];

describe('applyIdentification (docs/semantics.md)', () => {
  it.each(cases)('$name', ({ current, ops, expected }) => {
    const before = structuredClone(current);
    expect(applyIdentification(current, ops).properties).toStrictEqual(expected);
    expect(current).toStrictEqual(before); // the input is never mutated
  });

  it('records skipped operations with reasons', () => {
    const { skipped } = applyIdentification(
      { n: 'ten', s: 1 },
      { $add: { n: 1, p: 1 }, $set: { p: 2 }, $setOnce: { s: 9 } },
    );
    expect(skipped).toStrictEqual([
      { op: '$setOnce', property: 's', reason: 'already set' },
      { op: '$add', property: 'n', reason: 'existing value is not a number' },
      { op: '$add', property: 'p', reason: 'already changed by $set in this identification' },
    ]);
  });

  it('skips an $add whose result would not be finite', () => {
    const result = applyIdentification({ n: 1e308 }, { $add: { n: 1e308 } });
    expect(result.properties).toStrictEqual({ n: 1e308 });
    expect(result.skipped).toStrictEqual([
      { op: '$add', property: 'n', reason: 'result is not a finite number' },
    ]);
  });

  it('reports per-property changes: created, changed, removed; not unchanged ones', () => {
    const { changes } = applyIdentification(
      { keep: 1, gone: 'x', num: 1 },
      { $unset: { gone: '-' }, $add: { num: 2 }, $set: { keep: 1, fresh: [1] } },
    );
    expect(changes).toStrictEqual({
      gone: { from: 'x' },
      num: { from: 1, to: 3 },
      fresh: { to: [1] },
    });
  });

  it('reports every property removed by $clearAll', () => {
    const { changes } = applyIdentification({ a: 1, b: 2 }, { $clearAll: '-', $set: { a: 1 } });
    expect(changes).toStrictEqual({ b: { from: 2 } });
  });

  it('keeps __proto__ as an own property and pollutes no prototype', () => {
    const ops = JSON.parse(
      '{"__proto__": {"polluted": true}, "$set": {"__proto__": 1, "constructor": 2}}',
    ) as JsonObject;
    const { properties, changes } = applyIdentification({}, ops);
    expect(Object.getPrototypeOf(properties)).toBe(Object.prototype);
    expect(Object.hasOwn(properties, '__proto__')).toBe(true);
    expect(properties.__proto__).toStrictEqual({ polluted: true });
    expect(Object.keys(changes).sort()).toStrictEqual(['__proto__', 'constructor']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('does not see inherited names such as toString as present', () => {
    const { properties } = applyIdentification(
      {},
      { $setOnce: { toString: 1 }, $add: { valueOf: 2 } },
    );
    expect(properties).toStrictEqual({ toString: 1, valueOf: 2 });
  });
});
