import { describe, expect, it } from 'vitest';
import { oneToken, problemsOfCalls, renameField } from './platform-calls.js';

describe('oneToken', () => {
  it.each([
    [['a', 'a'], { ok: true, token: 'a' }],
    [[], { ok: false, reason: 'missing' }],
    [['a', undefined], { ok: false, reason: 'missing' }],
    [['a', ''], { ok: false, reason: 'missing' }],
    [[5], { ok: false, reason: 'missing' }],
    [['a', 'b'], { ok: false, reason: 'mixed' }],
  ])('%j → %j', (tokens, expected) => {
    expect(oneToken(tokens)).toStrictEqual(expected);
  });
});

describe('renameField', () => {
  const rules = [
    ['group_properties.$setOnce', '$set_once'],
    ['group_properties', ''],
    ['group_type', 'kind'],
  ] as const;
  it.each([
    ['group_properties.$setOnce', '$set_once'],
    ['group_properties.$setOnce.a.b', '$set_once.a.b'],
    ['group_properties.$set.a', '$set.a'],
    ['group_properties', 'group_properties'],
    ['group_type', 'kind'],
    ['group_typeX', 'group_typeX'],
    ['insert_id', 'insert_id'],
  ])('%s → %s', (field, expected) => {
    expect(renameField(field, rules)).toBe(expected);
  });
});

describe('problemsOfCalls', () => {
  it('names the call of each identification, in call order', () => {
    const calls = {
      identifications: [{}, {}],
      callIndexes: [3, 1],
      ignored: 0,
      problems: [],
    };
    const problems = [
      { index: 0, field: 'group_type', reason: 'r0' },
      { index: 1, field: 'group_value', reason: 'r1' },
    ];
    expect(problemsOfCalls(problems, calls, (f) => `x.${f}`)).toStrictEqual([
      { index: 1, field: 'x.group_value', reason: 'r1' },
      { index: 3, field: 'x.group_type', reason: 'r0' },
    ]);
  });
});
