import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { groupProperties as validGroupProperties } from '../test/arbitraries.js';
import type { Identification, ValidationProblem } from './identification.js';
import type { JsonObject, JsonValue } from './json.js';
import {
  countPropertyKeys,
  validateIdentification,
  validateIdentificationBatch,
} from './validate-identifications.js';

type Raw = Record<string, unknown>;
type Problem = [field: string, reason: string];

const BASE: Raw = { group_type: 'org', group_value: 'acme', group_properties: {} };
const ident = (overrides: Raw): Raw => ({ ...BASE, ...overrides });
const withProps = (groupProperties: unknown): Raw => ident({ group_properties: groupProperties });

const TOO_DEEP = 'nested deeper than 40 levels';
const NAME_LENGTH = 'must be 1 to 1024 characters';
const OPERAND = 'must be an object of property names to values';
const ADD = 'must be a number or a numeric string';
const EMOJI = '😀'; // one code point, two UTF-16 units
const NUL = 'contains U+0000 (NUL), which cannot be stored';
const LONE = 'contains a lone UTF-16 surrogate (not valid Unicode)';
const x = (n: number): string => 'x'.repeat(n);

function nestArrays(levels: number, leaf: unknown): unknown {
  let value = leaf;
  for (let i = 0; i < levels; i++) value = [value];
  return value;
}

function nestObjects(levels: number, leaf: unknown): unknown {
  let value = leaf;
  for (let i = 0; i < levels; i++) value = { k: value };
  return value;
}

function nestMixed(levels: number, leaf: unknown): unknown {
  let value = leaf;
  for (let i = 0; i < levels; i++) value = i % 2 === 0 ? [value] : { k: value };
  return value;
}

/** The problems of a 400 answer; fails the test on any other answer. */
function problemsOf(raw: unknown): ValidationProblem[] {
  const result = validateIdentificationBatch(raw);
  if (result.ok || result.status !== 400)
    throw new Error(`expected a 400, got ${JSON.stringify(result)}`);
  return result.problems;
}

/** The identifications of an accepted batch; fails the test on any other answer. */
function accepted(raw: unknown): Identification[] {
  const result = validateIdentificationBatch(raw);
  if (!result.ok) throw new Error(`expected success, got ${JSON.stringify(result)}`);
  return result.identifications;
}

function acceptedOne(raw: Raw): Identification {
  const [only] = accepted(raw);
  if (only === undefined) throw new Error('no identification');
  return only;
}

const at0 = (problems: Problem[]): ValidationProblem[] =>
  problems.map(([field, reason]) => ({ index: 0, field, reason }));

describe('validateIdentificationBatch: shape of the parameter', () => {
  it.each([
    { name: 'a string', raw: 'x' },
    { name: 'a number', raw: 5 },
    { name: 'null', raw: null },
    { name: 'undefined', raw: undefined },
    { name: 'a boolean', raw: true },
    { name: 'a Date', raw: new Date(0) },
    { name: 'a Map', raw: new Map() },
  ])('refuses $name as a whole', ({ raw }) => {
    expect(problemsOf(raw)).toEqual([
      { index: 0, field: 'identification', reason: 'must be an object or an array of objects' },
    ]);
  });

  it('refuses an empty array', () => {
    expect(problemsOf([])).toEqual([
      { index: 0, field: 'identification', reason: 'no identifications' },
    ]);
  });

  it('treats a single object as a batch of one', () => {
    expect(accepted(BASE)).toEqual([
      { group_type: 'org', group_value: 'acme', group_properties: {} },
    ]);
  });

  it('treats an array as one identification per element, in order', () => {
    const result = accepted([ident({ group_value: 'a' }), ident({ group_value: 'b' })]);
    expect(result.map((i) => i.group_value)).toEqual(['a', 'b']);
  });

  it('accepts an object with a null prototype', () => {
    expect(accepted(Object.assign(Object.create(null) as Raw, BASE))).toHaveLength(1);
  });

  it('refuses array elements that are not plain objects, each at its index', () => {
    // eslint-disable-next-line no-sparse-arrays -- a hole is an element that is not an object
    const raw = [BASE, 'x', [], null, 3, new Date(0), , BASE];
    expect(problemsOf(raw)).toEqual(
      [1, 2, 3, 4, 5, 6].map((index) => ({
        index,
        field: 'identification',
        reason: 'must be an object',
      })),
    );
  });
});

interface FieldCase {
  name: string;
  raw: Raw;
  problems: Problem[];
}

const fieldCases: FieldCase[] = [
  {
    name: 'group_type missing',
    raw: { group_value: 'v', group_properties: {} },
    problems: [['group_type', 'is required']],
  },
  {
    name: 'group_type null',
    raw: ident({ group_type: null }),
    problems: [['group_type', 'is required']],
  },
  {
    name: 'group_type a number',
    raw: ident({ group_type: 5 }),
    problems: [['group_type', 'must be a string']],
  },
  {
    name: 'group_type an object',
    raw: ident({ group_type: {} }),
    problems: [['group_type', 'must be a string']],
  },
  {
    name: 'group_type empty',
    raw: ident({ group_type: '' }),
    problems: [['group_type', NAME_LENGTH]],
  },
  {
    name: 'group_type of 1025 characters',
    raw: ident({ group_type: x(1025) }),
    problems: [['group_type', NAME_LENGTH]],
  },
  {
    name: 'group_type of 1025 emoji',
    raw: ident({ group_type: EMOJI.repeat(1025) }),
    problems: [['group_type', NAME_LENGTH]],
  },
  {
    name: 'group_value missing',
    raw: { group_type: 't', group_properties: {} },
    problems: [['group_value', 'is required']],
  },
  {
    name: 'group_value null',
    raw: ident({ group_value: null }),
    problems: [['group_value', 'is required']],
  },
  {
    name: 'group_value empty',
    raw: ident({ group_value: '' }),
    problems: [['group_value', NAME_LENGTH]],
  },
  {
    name: 'group_value of 1025 characters',
    raw: ident({ group_value: x(1025) }),
    problems: [['group_value', NAME_LENGTH]],
  },
  ...(
    [
      ['true', true],
      ['an object', {}],
      ['an array', []],
      ['NaN', NaN],
      ['Infinity', Infinity],
      ['-Infinity', -Infinity],
      ['a bigint', 10n],
    ] as const
  ).map(([label, value]) => ({
    name: `group_value ${label}`,
    raw: ident({ group_value: value }),
    problems: [['group_value', 'must be a string or a finite number']] satisfies Problem[],
  })),
  {
    name: 'group_properties missing',
    raw: { group_type: 't', group_value: 'v' },
    problems: [['group_properties', 'is required']],
  },
  {
    name: 'group_properties null',
    raw: withProps(null),
    problems: [['group_properties', 'is required']],
  },
  {
    name: 'group_properties an array',
    raw: withProps([]),
    problems: [['group_properties', 'must be an object']],
  },
  {
    name: 'group_properties a string',
    raw: withProps('{}'),
    problems: [['group_properties', 'must be an object']],
  },
  {
    name: 'group_properties a number',
    raw: withProps(5),
    problems: [['group_properties', 'must be an object']],
  },
  ...['', x(129), EMOJI.repeat(129), 5, {}, true].map((value) => ({
    name: `insert_id ${JSON.stringify(value).slice(0, 20)}`,
    raw: ident({ insert_id: value }),
    problems: [['insert_id', 'must be a string of 1 to 128 characters']] satisfies Problem[],
  })),
  ...[
    -1,
    1.5,
    2 ** 53,
    Date.UTC(10000, 0, 1),
    'yesterday',
    '12/05/2026',
    '2026-13-01',
    '2026-02-30T10:00:00Z',
    '2025-02-29',
    '2026-12-07 (hello) 03:29',
    '2026-01-31T24:00:00Z',
    true,
    {},
  ].map((value) => ({
    name: `time ${JSON.stringify(value)}`,
    raw: ident({ time: value }),
    problems: [
      ['time', 'must be milliseconds since the epoch or an ISO-8601 date-time'],
    ] satisfies Problem[],
  })),
  ...(
    [
      ['group_type', 'o\u0000rg', NUL],
      ['group_value', 'acme\u0000', NUL],
      ['insert_id', '\u0000', NUL],
      ['group_type', '\ud800', LONE],
      ['group_value', 'a\udc00b', LONE],
      ['insert_id', `${EMOJI}\ud83d`, LONE],
    ] as const
  ).map(([field, value, reason]) => ({
    name: `${field} ${JSON.stringify(value)}`,
    raw: ident({ [field]: value }),
    problems: [[field, reason]] satisfies Problem[],
  })),
  {
    name: 'every field wrong, in field order',
    raw: { insert_id: '', group_properties: [], group_value: false, group_type: '' },
    problems: [
      ['group_type', NAME_LENGTH],
      ['group_value', 'must be a string or a finite number'],
      ['group_properties', 'must be an object'],
      ['insert_id', 'must be a string of 1 to 128 characters'],
    ],
  },
];

describe('validateIdentification: top-level fields', () => {
  it.each(fieldCases)('refuses $name', ({ raw, problems }) => {
    expect(problemsOf(raw)).toEqual(at0(problems));
  });

  it.each([
    {
      name: 'a numeric group_value 42',
      raw: ident({ group_value: 42 }),
      expected: { group_value: '42' },
    },
    {
      name: 'a numeric group_value 1.5',
      raw: ident({ group_value: 1.5 }),
      expected: { group_value: '1.5' },
    },
    {
      name: 'a numeric group_value -0',
      raw: ident({ group_value: -0 }),
      expected: { group_value: '0' },
    },
    {
      name: 'a numeric group_value 1e21',
      raw: ident({ group_value: 1e21 }),
      expected: { group_value: '1e+21' },
    },
    {
      name: 'group_type of 1024 characters',
      raw: ident({ group_type: x(1024) }),
      expected: { group_type: x(1024) },
    },
    {
      name: 'group_type of 1024 emoji',
      raw: ident({ group_type: EMOJI.repeat(1024) }),
      expected: { group_type: EMOJI.repeat(1024) },
    },
    {
      name: 'group_value of 1024 emoji',
      raw: ident({ group_value: EMOJI.repeat(1024) }),
      expected: { group_value: EMOJI.repeat(1024) },
    },
    {
      name: 'insert_id of 128 characters',
      raw: ident({ insert_id: x(128) }),
      expected: { insert_id: x(128) },
    },
    {
      name: 'insert_id of 128 emoji',
      raw: ident({ insert_id: EMOJI.repeat(128) }),
      expected: { insert_id: EMOJI.repeat(128) },
    },
    {
      name: 'insert_id of 1 character',
      raw: ident({ insert_id: 'i' }),
      expected: { insert_id: 'i' },
    },
    {
      name: 'time in ms',
      raw: ident({ time: 1_796_000_000_000 }),
      expected: { time: 1_796_000_000_000 },
    },
    { name: 'time 0', raw: ident({ time: 0 }), expected: { time: 0 } },
    {
      name: 'an ISO-8601 time',
      raw: ident({ time: '2026-12-05T10:00:00Z' }),
      expected: { time: Date.UTC(2026, 11, 5, 10) },
    },
    {
      name: 'an ISO-8601 time with an offset and milliseconds',
      raw: ident({ time: '2026-12-05T11:00:00.250+01:00' }),
      expected: { time: Date.UTC(2026, 11, 5, 10, 0, 0, 250) },
    },
    {
      name: 'a date',
      raw: ident({ time: '2026-12-05' }),
      expected: { time: Date.UTC(2026, 11, 5) },
    },
  ])('accepts $name', ({ raw, expected }) => {
    expect(acceptedOne(raw)).toEqual({ ...BASE, ...expected });
  });

  it.each([
    { name: 'absent', raw: BASE },
    { name: 'undefined', raw: ident({ insert_id: undefined }) },
    { name: 'null', raw: ident({ insert_id: null }) },
  ])('leaves insert_id out when it is $name', ({ raw }) => {
    expect(Object.keys(acceptedOne(raw))).toEqual([
      'group_type',
      'group_value',
      'group_properties',
    ]);
  });

  it('ignores and does not copy other keys', () => {
    const raw = ident({ library: 'amplitude-node/1.0', user_id: 'u', time: 5, insert_id: 'i' });
    expect(acceptedOne(raw)).toEqual({
      group_type: 'org',
      group_value: 'acme',
      group_properties: {},
      insert_id: 'i',
      time: 5,
    });
  });

  it('refuses an object with another prototype than Object.prototype, so nothing is inherited', () => {
    const raw = Object.create({ group_type: 't', group_value: 'v', group_properties: {} }) as Raw;
    expect(problemsOf([raw])).toEqual([
      { index: 0, field: 'identification', reason: 'must be an object' },
    ]);
  });

  it('appends problems with the given index and returns undefined', () => {
    const problems: ValidationProblem[] = [{ index: 0, field: 'earlier', reason: 'kept' }];
    expect(
      validateIdentification(ident({ group_type: 1, group_value: null }), 7, problems),
    ).toBeUndefined();
    expect(problems).toEqual([
      { index: 0, field: 'earlier', reason: 'kept' },
      { index: 7, field: 'group_type', reason: 'must be a string' },
      { index: 7, field: 'group_value', reason: 'is required' },
    ]);
  });

  it('returns the normalized identification and adds no problem when valid', () => {
    const problems: ValidationProblem[] = [];
    expect(validateIdentification(ident({ group_value: 3 }), 2, problems)).toEqual({
      ...BASE,
      group_value: '3',
    });
    expect(problems).toEqual([]);
  });

  it('refuses a non-object with field identification', () => {
    const problems: ValidationProblem[] = [];
    expect(validateIdentification('x', 3, problems)).toBeUndefined();
    expect(problems).toEqual([{ index: 3, field: 'identification', reason: 'must be an object' }]);
  });
});

interface PropertiesCase {
  name: string;
  props: Raw;
  problems: Problem[];
}

const propertyProblemCases: PropertiesCase[] = [
  {
    name: 'a NUL in a value, at any depth, and in a key inside a value',
    props: { a: 'x\u0000y', $set: { b: [{ c: ['\u0000'] }] }, d: { 'k\u0000': 1 } },
    problems: [
      ['group_properties.a', NUL],
      ['group_properties.$set.b', NUL],
      ['group_properties.d', `a key ${NUL}`],
    ],
  },
  {
    name: 'a lone surrogate in a value and in a key inside a value',
    props: { a: ['ok', '\udfff'], b: { '\ud800x': 1 } },
    problems: [
      ['group_properties.a', LONE],
      ['group_properties.b', `a key ${LONE}`],
    ],
  },
  {
    name: 'a NUL or a lone surrogate in a property name, plain or in an operand',
    props: { 'a\u0000': 1, $unset: { '\ud800': '-' } },
    problems: [
      ['group_properties.a\u0000', `property name ${NUL}`],
      ['group_properties.$unset.\ud800', `property name ${LONE}`],
    ],
  },
  {
    name: 'an unknown operation',
    props: { $foo: { a: 1 } },
    problems: [['group_properties.$foo', 'unknown operation']],
  },
  {
    name: 'an operation in the wrong case',
    props: { $SET: { a: 1 } },
    problems: [['group_properties.$SET', 'unknown operation']],
  },
  { name: 'a bare $', props: { $: 1 }, problems: [['group_properties.$', 'unknown operation']] },
  {
    name: 'a $set operand that is a number',
    props: { $set: 5 },
    problems: [['group_properties.$set', OPERAND]],
  },
  {
    name: 'a $set operand that is an array',
    props: { $set: [['a', 1]] },
    problems: [['group_properties.$set', OPERAND]],
  },
  {
    name: 'a $unset operand that is null',
    props: { $unset: null },
    problems: [['group_properties.$unset', OPERAND]],
  },
  {
    name: 'an $append operand that is a string',
    props: { $append: 'a' },
    problems: [['group_properties.$append', OPERAND]],
  },
  {
    name: 'an empty plain name',
    props: { '': 1 },
    problems: [['group_properties.', 'property name must not be empty']],
  },
  {
    name: 'an empty name in $set',
    props: { $set: { '': 1 } },
    problems: [['group_properties.$set.', 'property name must not be empty']],
  },
  {
    name: 'a plain name of 1025 characters',
    props: { [x(1025)]: 1 },
    problems: [[`group_properties.${x(1025)}`, 'property name longer than 1024 characters']],
  },
  {
    name: 'a name of 1025 emoji in $append',
    props: { $append: { [EMOJI.repeat(1025)]: 1 } },
    problems: [
      [
        `group_properties.$append.${EMOJI.repeat(1025)}`,
        'property name longer than 1024 characters',
      ],
    ],
  },
  ...[
    'abc',
    '',
    ' ',
    'NaN',
    'Infinity',
    '-Infinity',
    '0x10',
    '1,5',
    '5px',
    {},
    { n: 1 },
    [],
    [5],
    null,
    true,
    NaN,
    Infinity,
  ].map((operand) => ({
    name: `$add of ${JSON.stringify(operand)}`,
    props: { $add: { n: operand } },
    problems: [['group_properties.$add.n', ADD]] satisfies Problem[],
  })),
  {
    name: 'a bad name and a bad value of the same property',
    props: { $add: { '': 'abc' } },
    problems: [
      ['group_properties.$add.', 'property name must not be empty'],
      ['group_properties.$add.', ADD],
    ],
  },
  {
    name: 'several problems, in key order',
    props: { b: nestArrays(41, 1), $foo: 1, $set: { ok: 1, '': 2 }, $add: { n: 'x', m: 1 } },
    problems: [
      ['group_properties.b', TOO_DEEP],
      ['group_properties.$foo', 'unknown operation'],
      ['group_properties.$set.', 'property name must not be empty'],
      ['group_properties.$add.n', ADD],
    ],
  },
  ...[
    undefined,
    NaN,
    Infinity,
    new Date(0),
    new Map(),
    () => 1,
    Symbol('s'),
    1n,
    [1, undefined],
    // eslint-disable-next-line no-sparse-arrays -- a hole is not a JSON value
    [1, , 2],
    new Array(3),
    { a: { b: NaN } },
  ].map((value) => ({
    name: `a value that is not JSON (${typeof value})`,
    props: { p: value },
    problems: [['group_properties.p', 'must be a JSON value']] satisfies Problem[],
  })),
];

const propertyAcceptedCases: { name: string; props: Raw; expected: JsonObject }[] = [
  { name: '{} as a no-op', props: {}, expected: {} },
  {
    name: 'names with dots, spaces, $ and unicode',
    props: { 'a.b': 1, ' ': 2, 'ü 🎉': 3, $set: { $x: 4, 'c.d': 5 } },
    expected: { 'a.b': 1, ' ': 2, 'ü 🎉': 3, $set: { $x: 4, 'c.d': 5 } },
  },
  {
    name: 'constructor and toString as names',
    props: { constructor: 1, $set: { toString: 2, hasOwnProperty: 3 } },
    expected: { constructor: 1, $set: { toString: 2, hasOwnProperty: 3 } },
  },
  {
    name: 'a name of 1024 characters',
    props: { [x(1024)]: 1, $set: { [EMOJI.repeat(1024)]: 2 } },
    expected: { [x(1024)]: 1, $set: { [EMOJI.repeat(1024)]: 2 } },
  },
  {
    name: 'every operation',
    props: {
      $unset: { a: '-' },
      $set: { b: 1 },
      $setOnce: { c: 1 },
      $add: { d: 1 },
      $append: { e: 1 },
      $prepend: { f: [1] },
      $preInsert: { g: 1 },
      $postInsert: { h: 1 },
      $remove: { i: 1 },
    },
    expected: {
      $unset: { a: '-' },
      $set: { b: 1 },
      $setOnce: { c: 1 },
      $add: { d: 1 },
      $append: { e: 1 },
      $prepend: { f: [1] },
      $preInsert: { g: 1 },
      $postInsert: { h: 1 },
      $remove: { i: 1 },
    },
  },
  { name: 'empty operands', props: { $set: {}, $add: {} }, expected: { $set: {}, $add: {} } },
  {
    name: 'surrogate pairs (whole characters) in names and values, and a NUL cut off by truncation',
    props: { [EMOJI]: [EMOJI, { [EMOJI]: `\ud83d\ude00` }], t: `${x(1024)}\u0000` },
    expected: { [EMOJI]: [EMOJI, { [EMOJI]: EMOJI }], t: x(1024) },
  },
  { name: '$clearAll with "-"', props: { $clearAll: '-' }, expected: { $clearAll: '-' } },
  {
    name: '$clearAll with any operand, normalized to "-"',
    props: { $clearAll: nestArrays(50, NaN) },
    expected: { $clearAll: '-' },
  },
  { name: '$clearAll with null', props: { $clearAll: null }, expected: { $clearAll: '-' } },
  {
    name: '$add numbers and numeric strings, kept as sent',
    props: { $add: { a: 5, b: -2.5, c: '5', d: ' 7 ', e: '1e3', f: '-0.5', g: '.5' } },
    expected: { $add: { a: 5, b: -2.5, c: '5', d: ' 7 ', e: '1e3', f: '-0.5', g: '.5' } },
  },
  {
    name: 'a long numeric $add string, not truncated',
    props: { $add: { n: `${'0'.repeat(1100)}5` } },
    expected: { $add: { n: `${'0'.repeat(1100)}5` } },
  },
  {
    name: 'any JSON values',
    props: {
      a: null,
      b: true,
      c: [1, 'x', { d: [] }],
      e: { '': '', f: null },
      $set: { g: [[[]]] },
    },
    expected: {
      a: null,
      b: true,
      c: [1, 'x', { d: [] }],
      e: { '': '', f: null },
      $set: { g: [[[]]] },
    },
  },
];

describe('validateIdentification: group_properties', () => {
  it.each(propertyProblemCases)('refuses $name', ({ props, problems }) => {
    expect(problemsOf(withProps(props))).toEqual(at0(problems));
  });

  it.each(propertyAcceptedCases)('accepts $name', ({ props, expected }) => {
    expect(acceptedOne(withProps(props)).group_properties).toEqual(expected);
  });
});

const depthCases: { name: string; props: Raw; problems: Problem[] }[] = [
  { name: 'a scalar', props: { p: 1 }, problems: [] },
  { name: 'arrays 40 deep', props: { p: nestArrays(40, 1) }, problems: [] },
  {
    name: 'arrays 41 deep',
    props: { p: nestArrays(41, 1) },
    problems: [['group_properties.p', TOO_DEEP]],
  },
  { name: 'an empty array 40 deep', props: { p: nestArrays(39, []) }, problems: [] },
  {
    name: 'an empty array 41 deep',
    props: { p: nestArrays(40, []) },
    problems: [['group_properties.p', TOO_DEEP]],
  },
  { name: 'objects 40 deep', props: { p: nestObjects(40, 'x') }, problems: [] },
  {
    name: 'objects 41 deep',
    props: { p: nestObjects(41, 'x') },
    problems: [['group_properties.p', TOO_DEEP]],
  },
  {
    name: 'an empty object 41 deep',
    props: { p: nestObjects(40, {}) },
    problems: [['group_properties.p', TOO_DEEP]],
  },
  { name: 'mixed 40 deep', props: { p: nestMixed(40, null) }, problems: [] },
  {
    name: 'mixed 41 deep',
    props: { p: nestMixed(41, null) },
    problems: [['group_properties.p', TOO_DEEP]],
  },
  {
    name: '41 deep in a later array element',
    props: { p: [1, 2, nestArrays(40, 1)] },
    problems: [['group_properties.p', TOO_DEEP]],
  },
  { name: '$set objects 40 deep', props: { $set: { p: nestObjects(40, 1) } }, problems: [] },
  {
    name: '$set objects 41 deep',
    props: { $set: { p: nestObjects(41, 1) } },
    problems: [['group_properties.$set.p', TOO_DEEP]],
  },
  { name: '$append arrays 40 deep', props: { $append: { p: nestArrays(40, 1) } }, problems: [] },
  {
    name: '$append arrays 41 deep',
    props: { $append: { p: nestArrays(41, 1) } },
    problems: [['group_properties.$append.p', TOO_DEEP]],
  },
  {
    name: '$append mixed 41 deep',
    props: { $append: { p: nestMixed(41, 1) } },
    problems: [['group_properties.$append.p', TOO_DEEP]],
  },
  {
    name: '$unset 41 deep',
    props: { $unset: { p: nestArrays(41, 1) } },
    problems: [['group_properties.$unset.p', TOO_DEEP]],
  },
  {
    name: 'two too-deep properties',
    props: { p: nestArrays(41, 1), q: nestObjects(41, 1) },
    problems: [
      ['group_properties.p', TOO_DEEP],
      ['group_properties.q', TOO_DEEP],
    ],
  },
];

describe('validateIdentification: nesting depth', () => {
  it.each(depthCases)('$name', ({ props, problems }) => {
    const raw = withProps(props);
    if (problems.length === 0) expect(acceptedOne(raw).group_properties).toEqual(props);
    else expect(problemsOf(raw)).toEqual(at0(problems));
  });
});

const truncationCases: { name: string; value: JsonValue; expected: JsonValue }[] = [
  { name: 'a string of 1024 characters is kept', value: x(1024), expected: x(1024) },
  { name: 'a string of 1025 characters', value: x(1025), expected: x(1024) },
  { name: 'a very long string', value: x(100_000), expected: x(1024) },
  { name: 'an array element', value: ['a', x(2000)], expected: ['a', x(1024)] },
  { name: 'a nested object value', value: { a: { b: x(2000) } }, expected: { a: { b: x(1024) } } },
  {
    name: 'deep inside arrays and objects',
    value: [{ a: [[x(1500)]] }],
    expected: [{ a: [[x(1024)]] }],
  },
  {
    name: 'a string 40 deep',
    value: nestArrays(40, x(1025)) as JsonValue,
    expected: nestArrays(40, x(1024)) as JsonValue,
  },
  {
    name: 'an emoji ending at 1024 code points',
    value: `${x(1023)}${EMOJI}b`,
    expected: `${x(1023)}${EMOJI}`,
  },
  { name: 'an emoji starting at code point 1025', value: `${x(1024)}${EMOJI}`, expected: x(1024) },
  { name: '1024 emoji are kept', value: EMOJI.repeat(1024), expected: EMOJI.repeat(1024) },
  { name: '1025 emoji', value: EMOJI.repeat(1025), expected: EMOJI.repeat(1024) },
  {
    name: 'a lone surrogate past the 1024th code point is cut off with it (it is not kept)',
    value: `${EMOJI.repeat(1024)}\ud800`,
    expected: EMOJI.repeat(1024),
  },
  {
    name: 'nested keys are kept as sent',
    value: { [x(2000)]: 1, '': 2, $k: 3, 'a.b': 4 },
    expected: { [x(2000)]: 1, '': 2, $k: 3, 'a.b': 4 },
  },
];

describe('validateIdentification: string truncation', () => {
  it.each(truncationCases)('$name', ({ value, expected }) => {
    const props = { p: value, $set: { p: value }, $append: { p: value } };
    expect(acceptedOne(withProps(props)).group_properties).toEqual({
      p: expected,
      $set: { p: expected },
      $append: { p: expected },
    });
  });

  it('never truncates a string in the middle of a surrogate pair', () => {
    const [result] = accepted(withProps({ p: `${x(1023)}${EMOJI}` }));
    const p = result?.group_properties.p;
    expect(p).toBe(`${x(1023)}${EMOJI}`);
    // encodeURIComponent throws on a lone surrogate.
    expect(() => encodeURIComponent(typeof p === 'string' ? p : '')).not.toThrow();
  });

  it('does not mutate the input and shares no object with it', () => {
    const props = { p: [x(2000)], $set: { q: { r: x(2000) } } };
    const raw = withProps(props);
    const before = structuredClone(raw);
    const result = acceptedOne(raw);
    expect(raw).toEqual(before);
    expect(result.group_properties).not.toBe(props);
    expect(result.group_properties.$set).not.toBe(props.$set);
    expect(result.group_properties.p).not.toBe(props.p);
  });
});

describe('validateIdentification: prototype safety', () => {
  const text = JSON.stringify({
    group_type: 't',
    group_value: 'v',
    group_properties: {
      $set: { constructor: { prototype: { polluted: 3 } } },
      a: [{ b: 1 }],
    },
  })
    .replace('"$set":{', '"__proto__":{"polluted":1},"$set":{"__proto__":{"polluted":2},')
    .replace('{"b":1}', '{"__proto__":{"polluted":4},"b":1}');

  it('keeps __proto__ as an own key, as a plain name, an operand name and a nested key', () => {
    const raw = JSON.parse(text) as Raw;
    const gp = acceptedOne(raw).group_properties;
    const $set = gp.$set as JsonObject;
    const nested = (gp.a as JsonObject[])[0] as JsonObject;
    expect(Object.hasOwn(gp, '__proto__')).toBe(true);
    expect(Object.hasOwn($set, '__proto__')).toBe(true);
    expect(Object.hasOwn(nested, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(gp)).toBe(Object.prototype);
    expect(Object.getPrototypeOf($set)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(nested)).toBe(Object.prototype);
    expect(JSON.stringify(gp)).toBe(JSON.stringify(raw.group_properties));
    expect(text).toContain('"__proto__":{"polluted":4}');
    expect(({} as Raw).polluted).toBeUndefined();
    expect(Object.hasOwn(Object.prototype, 'polluted')).toBe(false);
  });

  it('ignores __proto__ and constructor as identification keys', () => {
    const raw = JSON.parse(
      '{"__proto__":{"group_type":"x"},"constructor":1,"group_type":"t","group_value":"v","group_properties":{}}',
    ) as Raw;
    expect(acceptedOne(raw)).toEqual({ group_type: 't', group_value: 'v', group_properties: {} });
    expect(({} as Raw).group_type).toBeUndefined();
  });
});

const many = (count: number, make: (i: number) => Raw): Raw[] =>
  Array.from({ length: count }, (_, i) => make(i));
/** `count` plain keys. */
const keys = (count: number): Raw =>
  Object.fromEntries(Array.from({ length: count }, (_, i) => [`k${i}`, i]));

describe('validateIdentificationBatch: limits (413)', () => {
  const tooManyIdentifications = {
    ok: false,
    status: 413,
    reason: 'more than 1024 identifications in one request',
  };
  const tooManyKeys = {
    ok: false,
    status: 413,
    reason: 'more than 1024 property keys in one request',
  };

  it.each([
    { name: '1024 identifications', raw: many(1024, () => BASE), expected: { ok: true } },
    { name: '1025 identifications', raw: many(1025, () => BASE), expected: tooManyIdentifications },
    {
      name: '1024 plain keys in one',
      raw: [withProps(keys(1024))],
      expected: { ok: true, propertyKeys: 1024 },
    },
    { name: '1025 plain keys in one', raw: [withProps(keys(1025))], expected: tooManyKeys },
    {
      name: '4 × 256 keys across identifications',
      raw: many(4, () => withProps({ ...keys(128), $set: keys(64), $add: keys(64) })),
      expected: { ok: true, propertyKeys: 1024 },
    },
    {
      name: '1025 keys across identifications',
      raw: [
        ...many(4, () => withProps({ ...keys(128), $set: keys(64), $add: keys(64) })),
        withProps({ a: 1 }),
      ],
      expected: tooManyKeys,
    },
    {
      name: '1024 keys and a $clearAll, which counts 0',
      raw: [withProps({ $clearAll: '-', $unset: keys(1024) })],
      expected: { ok: true, propertyKeys: 1024 },
    },
    {
      name: 'the same key in several operations counts each time',
      raw: [withProps({ ...keys(512), $set: keys(512), $append: { k0: 1 } })],
      expected: tooManyKeys,
    },
  ])('$name', ({ raw, expected }) => {
    expect(validateIdentificationBatch(raw)).toMatchObject(expected);
  });

  it('answers 400, not 413, when an identification beyond the limit is invalid', () => {
    const raw = [...many(1030, () => BASE), ident({ group_type: '' })];
    expect(problemsOf(raw)).toEqual([{ index: 1030, field: 'group_type', reason: NAME_LENGTH }]);
  });

  it('answers 400, not 413, when too many property keys come with an invalid identification', () => {
    const raw = [withProps(keys(2000)), ident({ group_value: null })];
    expect(problemsOf(raw)).toEqual([{ index: 1, field: 'group_value', reason: 'is required' }]);
  });
});

describe('validateIdentificationBatch: problems across identifications', () => {
  it('reports every problem, by index then field', () => {
    const raw = [
      { group_type: 5, group_value: null, group_properties: { $foo: 1, '': 1 }, insert_id: '' },
      BASE,
      'x',
      { group_type: 't', group_value: 'v', group_properties: { $add: { n: 'abc' } } },
    ];
    expect(problemsOf(raw)).toEqual([
      { index: 0, field: 'group_type', reason: 'must be a string' },
      { index: 0, field: 'group_value', reason: 'is required' },
      { index: 0, field: 'group_properties.$foo', reason: 'unknown operation' },
      { index: 0, field: 'group_properties.', reason: 'property name must not be empty' },
      { index: 0, field: 'insert_id', reason: 'must be a string of 1 to 128 characters' },
      { index: 2, field: 'identification', reason: 'must be an object' },
      { index: 3, field: 'group_properties.$add.n', reason: ADD },
    ]);
  });
});

describe('countPropertyKeys', () => {
  it.each([
    { name: 'no keys', gp: {}, expected: 0 },
    { name: 'plain keys count 1 each', gp: { a: 1, b: { c: 1, d: 2 } }, expected: 2 },
    {
      name: 'an operation counts its operand keys',
      gp: { $set: { a: 1, b: 2, c: 3 } },
      expected: 3,
    },
    { name: 'an empty operand counts 0', gp: { $set: {} }, expected: 0 },
    { name: '$clearAll counts 0', gp: { $clearAll: '-' }, expected: 0 },
    {
      name: '$clearAll counts 0 even with an object operand',
      gp: { $clearAll: { a: 1, b: 2 } },
      expected: 0,
    },
    {
      name: 'a mix',
      gp: { $clearAll: '-', $unset: { a: '-' }, $add: { n: 1, m: 2 }, x: 1, '__proto__ ': 1 },
      expected: 5,
    },
  ])('$name', ({ gp, expected }) => {
    expect(countPropertyKeys(gp as JsonObject)).toBe(expected);
  });
});

const identification = fc.record(
  {
    group_type: fc.oneof(fc.string({ minLength: 1 }), fc.constant('')),
    group_value: fc.oneof(fc.string({ minLength: 1 }), fc.double(), fc.integer()),
    group_properties: validGroupProperties,
    insert_id: fc.oneof(
      fc.string({ minLength: 1, maxLength: 128, unit: 'binary' }),
      fc.constant(null),
    ),
    library: fc.jsonValue(),
  },
  { requiredKeys: ['group_type', 'group_value', 'group_properties'] },
);

/** A successful answer re-validates to itself (normalization is idempotent), also after JSON. */
function expectIdempotent(raw: unknown): void {
  const result = validateIdentificationBatch(raw);
  if (!result.ok) return;
  expect(validateIdentificationBatch(result.identifications)).toEqual(result);
  expect(validateIdentificationBatch(JSON.parse(JSON.stringify(result.identifications)))).toEqual(
    result,
  );
}

describe('validateIdentificationBatch: properties', () => {
  it('never throws on any value', () => {
    const anything = fc.anything({
      withBigInt: true,
      withBoxedValues: true,
      withDate: true,
      withMap: true,
      withNullPrototype: true,
      withObjectString: true,
      withSet: true,
      withSparseArray: true,
      withTypedArray: true,
      stringUnit: 'binary',
    });
    const shaped = fc.record({
      group_type: anything,
      group_value: anything,
      group_properties: anything,
      insert_id: anything,
    });
    fc.assert(
      fc.property(fc.oneof(anything, shaped, fc.array(shaped)), (raw) => {
        expect(() => validateIdentificationBatch(raw)).not.toThrow();
        expectIdempotent(raw);
      }),
    );
  });

  it('never throws on JSON values', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (raw) => {
        expect(() => validateIdentificationBatch(raw)).not.toThrow();
        expectIdempotent(raw);
      }),
    );
  });

  it('is idempotent on identification-shaped input', () => {
    let acceptedCount = 0;
    fc.assert(
      fc.property(fc.oneof(identification, fc.array(identification, { maxLength: 5 })), (raw) => {
        expect(() => validateIdentificationBatch(raw)).not.toThrow();
        if (validateIdentificationBatch(raw).ok) acceptedCount++;
        expectIdempotent(raw);
      }),
      { numRuns: 300 },
    );
    // The property must not hold vacuously: most generated identifications are valid.
    expect(acceptedCount).toBeGreaterThan(50);
  });
});
