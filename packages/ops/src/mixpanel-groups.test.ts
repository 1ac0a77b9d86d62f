import { describe, expect, it } from 'vitest';
import { applyIdentification } from './apply-identification.js';
import type { JsonObject } from './json.js';
import { decodeMixpanelData, mixpanelField, readMixpanelUpdates } from './mixpanel-groups.js';
import { problemsOfCalls } from './platform-calls.js';
import { validateIdentificationBatch } from './validate-identifications.js';

const base64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64');
const update = (extra: object) => ({
  $token: 'tok',
  $group_key: 'company',
  $group_id: 'Acme',
  ...extra,
});

describe('decodeMixpanelData (docs/sdks.md)', () => {
  const value = { $token: 't', $set: { k: '>>>???' } }; // its base64 holds both + and /
  it.each([
    ['plain JSON object', JSON.stringify(value), value],
    ['plain JSON array, with white space', ` [${JSON.stringify(value)}] `, [value]],
    ['base64 (what the SDKs send)', base64(value), value],
    ['base64 whose + became spaces in a form', base64(value).replaceAll('+', ' '), value],
    ['URL-safe base64', Buffer.from(JSON.stringify(value)).toString('base64url'), value],
  ])('%s', (_name, text, expected) => {
    expect(base64(value)).toMatch(/[+/]/);
    expect(decodeMixpanelData(text)).toStrictEqual({ ok: true, value: expected });
  });

  it.each([
    ['not base64', '{{not json', 'data is not valid JSON'],
    ['garbage', 'a%b!', 'data is neither JSON nor base64-encoded JSON'],
    ['empty', '', 'data is neither JSON nor base64-encoded JSON'],
    ['base64 of non-JSON', Buffer.from('hello').toString('base64'), 'data is not valid JSON'],
  ])('refuses %s', (_name, text, reason) => {
    expect(decodeMixpanelData(text)).toStrictEqual({ ok: false, reason });
  });
});

describe('readMixpanelUpdates: operations (docs/sdks.md)', () => {
  it.each([
    ['$set', { $set: { plan: 'pro' } }, { $set: { plan: 'pro' } }],
    ['$set_once → $setOnce', { $set_once: { first: 1 } }, { $setOnce: { first: 1 } }],
    ['$unset (names) → $unset', { $unset: ['a', 'b'] }, { $unset: { a: '-', b: '-' } }],
    [
      '$union → $postInsert',
      { $union: { tags: ['x', 'y'] } },
      { $postInsert: { tags: ['x', 'y'] } },
    ],
    ['$remove', { $remove: { tags: 'x' } }, { $remove: { tags: 'x' } }],
    ['$add', { $add: { seats: 2 } }, { $add: { seats: 2 } }],
    [
      'several operations in one update',
      { $set: { a: 1 }, $unset: ['b'] },
      { $set: { a: 1 }, $unset: { b: '-' } },
    ],
    [
      'modifiers and keys without $ are ignored',
      { $set: { a: 1 }, $ip: '1.2.3.4', $ignore_time: true, $ignore_alias: true, x: 1 },
      { $set: { a: 1 } },
    ],
    ['$latitude/$longitude are modifiers', { $set: {}, $latitude: 1, $longitude: 2 }, { $set: {} }],
  ])('%s', (_name, operations, groupProperties) => {
    expect(readMixpanelUpdates(update(operations))).toStrictEqual({
      identifications: [
        { group_type: 'company', group_value: 'Acme', group_properties: groupProperties },
      ],
      callIndexes: [0],
      ignored: 0,
      problems: [],
      token: { ok: true, token: 'tok' },
      deletions: [],
    });
  });

  it.each([
    ['seconds', 1_796_000_000, 1_796_000_000_000],
    ['seconds with a fraction', 1_796_000_000.25, 1_796_000_000_250],
    ['milliseconds', 1_796_000_000_123, 1_796_000_000_123],
    ['an ISO-8601 text, left to validation', '2026-12-05T10:00:00Z', '2026-12-05T10:00:00Z'],
  ])('$time in %s is the event time', (_name, time, expected) => {
    const [identification] = readMixpanelUpdates(
      update({ $set: { a: 1 }, $time: time }),
    ).identifications;
    expect(identification).toMatchObject({ time: expected });
  });

  it('reads an array in order; $delete becomes a deletion, not an identification', () => {
    const reading = readMixpanelUpdates([
      update({ $set: { a: 1 } }),
      update({ $delete: '', $group_id: 'Gone' }),
      update({ $group_id: 7, $unset: [] }),
    ]);
    expect(reading.identifications).toStrictEqual([
      { group_type: 'company', group_value: 'Acme', group_properties: { $set: { a: 1 } } },
      { group_type: 'company', group_value: 7, group_properties: { $unset: {} } },
    ]);
    expect(reading.callIndexes).toStrictEqual([0, 2]);
    expect(reading.deletions).toStrictEqual([
      { index: 1, group_type: 'company', group_value: 'Gone' },
    ]);
    expect(reading.problems).toStrictEqual([]);
  });

  it('keeps a property named __proto__ as an own key', () => {
    const data = JSON.parse(
      '{"$token":"t","$group_key":"c","$group_id":"g","$unset":["__proto__"],"$set":{"__proto__":1}}',
    ) as unknown;
    const [identification] = readMixpanelUpdates(data).identifications;
    const properties = identification?.['group_properties'] as JsonObject;
    expect(Object.hasOwn(properties['$unset'] as object, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(properties['$unset'])).toBe(Object.prototype);
  });
});

describe('readMixpanelUpdates: tokens and problems', () => {
  it.each([
    ['one token', [update({ $set: {} }), update({ $set: {} })], { ok: true, token: 'tok' }],
    ['a missing token', [update({ $set: {} }), { $set: {} }], { ok: false, reason: 'missing' }],
    ['an empty token', [update({ $token: '', $set: {} })], { ok: false, reason: 'missing' }],
    [
      'two tokens',
      [update({ $set: {} }), update({ $token: 'other', $set: {} })],
      { ok: false, reason: 'mixed' },
    ],
  ])('%s', (_name, data, token) => {
    expect(readMixpanelUpdates(data).token).toStrictEqual(token);
  });

  it.each([
    ['an empty array', [], [{ index: 0, field: 'data', reason: 'holds no update' }]],
    ['a non-object update', [5], [{ index: 0, field: 'update', reason: 'must be an object' }]],
    [
      'an update with no operation',
      update({}),
      [{ index: 0, field: 'update', reason: 'has no operation' }],
    ],
    [
      'an unknown operation',
      update({ $append: { a: 1 } }),
      [{ index: 0, field: '$append', reason: 'unknown operation' }],
    ],
    [
      '$unset that is not an array of names',
      update({ $unset: { a: 1 } }),
      [{ index: 0, field: '$unset', reason: 'must be an array of property names' }],
    ],
    [
      '$unset with a non-string name',
      update({ $unset: ['a', 1] }),
      [{ index: 0, field: '$unset', reason: 'must be an array of property names' }],
    ],
  ])('%s', (_name, data, problems) => {
    const reading = readMixpanelUpdates(data);
    expect(reading.problems).toStrictEqual(problems);
    expect(reading.identifications).toStrictEqual([]);
  });
});

describe('Mixpanel updates through validation and the semantics', () => {
  it('validation problems name the update and Mixpanel fields', () => {
    const reading = readMixpanelUpdates([
      update({ $delete: null }),
      update({ $group_key: null, $set_once: { '': 1 } }),
      update({ $union: 'x', $group_id: true }),
    ]);
    const validation = validateIdentificationBatch(reading.identifications);
    expect(validation.ok).toBe(false);
    if (validation.ok || validation.status !== 400) throw new Error('expected a 400');
    expect(problemsOfCalls(validation.problems, reading, mixpanelField)).toStrictEqual([
      { index: 1, field: '$group_key', reason: 'is required' },
      { index: 1, field: '$set_once.', reason: 'property name must not be empty' },
      { index: 2, field: '$group_id', reason: 'must be a string or a finite number' },
      { index: 2, field: '$union', reason: 'must be an object of property names to values' },
    ]);
  });

  it.each([
    ['group_type', '$group_key'],
    ['group_value', '$group_id'],
    ['group_properties.$set.a', '$set.a'],
    ['group_properties.$setOnce.a', '$set_once.a'],
    ['group_properties.$postInsert.tags', '$union.tags'],
    ['group_properties.$unset', '$unset'],
    ['group_properties', 'group_properties'],
  ])('mixpanelField(%s) = %s', (field, expected) => {
    expect(mixpanelField(field)).toBe(expected);
  });

  it('$union adds only new values, $remove removes them, as Mixpanel documents', () => {
    const [union, remove] = readMixpanelUpdates([
      update({ $union: { tags: ['b', 'c', 'c'] } }),
      update({ $remove: { tags: 'a' } }),
    ]).identifications;
    const validation = validateIdentificationBatch([union, remove]);
    if (!validation.ok) throw new Error('expected valid updates');
    const [u, r] = validation.identifications;
    if (u === undefined || r === undefined) throw new Error('expected two identifications');
    const afterUnion = applyIdentification({ tags: ['a', 'b'] }, u.group_properties).properties;
    expect(afterUnion).toStrictEqual({ tags: ['a', 'b', 'c'] });
    expect(applyIdentification(afterUnion, r.group_properties).properties).toStrictEqual({
      tags: ['b', 'c'],
    });
  });
});
