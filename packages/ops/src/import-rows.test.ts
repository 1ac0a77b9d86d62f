import { describe, expect, it } from 'vitest';
import { csvHeaderProblem, importRowFromCsv, importRowFromJsonLine } from './import-rows.js';

const header = ['group_type', 'group_value', 'plan', 'seats', 'meta', 'a.b'];

describe('importRowFromJsonLine', () => {
  it('sets the properties of an export line and ignores its other keys', () => {
    const line = JSON.stringify({
      group_type: 'org',
      group_value: 'acme',
      properties: { plan: 'pro', 'a.b': { c: [1, 2] }, $odd: true },
      version: 7,
      created_at: '2026-01-01T00:00:00.000Z',
    });
    expect(importRowFromJsonLine(line)).toEqual({
      ok: true,
      identification: {
        group_type: 'org',
        group_value: 'acme',
        group_properties: { $set: { plan: 'pro', 'a.b': { c: [1, 2] }, $odd: true } },
      },
    });
  });

  it.each([
    ['{not json', 'not JSON'],
    ['[1]', 'not a JSON object'],
    ['{"group_type":"org","group_value":"a"}', 'properties: is required'],
    ['{"group_type":"org","group_value":"a","properties":[]}', 'properties: must be an object'],
    ['{"group_value":"a","properties":{}}', 'group_type: is required'],
    ['{"group_type":"org","group_value":"","properties":{}}', 'group_value: must be 1 to'],
    [
      `{"group_type":"org","group_value":"a","properties":{"deep":${'['.repeat(50)}${']'.repeat(50)}}}`,
      'properties.deep:',
    ],
  ])('refuses %s', (line, reason) => {
    const row = importRowFromJsonLine(line);
    expect(row.ok).toBe(false);
    if (!row.ok) expect(row.reason).toContain(reason);
  });
});

describe('importRowFromCsv', () => {
  it('takes JSON cells as JSON, other cells as strings, and leaves empty cells out', () => {
    const row = importRowFromCsv(header, ['org', '42', '"pro"', '12', '{"x":[1]}', '']);
    expect(row).toEqual({
      ok: true,
      identification: {
        group_type: 'org',
        group_value: '42',
        group_properties: { $set: { plan: 'pro', seats: 12, meta: { x: [1] } } },
      },
    });
    const plain = importRowFromCsv(header, ['org', 'acme', 'free plan', 'true', 'null', 'x']);
    expect(plain.ok && plain.identification.group_properties).toEqual({
      $set: { plan: 'free plan', seats: true, meta: null, 'a.b': 'x' },
    });
  });

  it('keeps a column named __proto__ as a property', () => {
    const row = importRowFromCsv(['group_type', 'group_value', '__proto__'], ['org', 'a', '1']);
    const set = row.ok ? (row.identification.group_properties['$set'] as object) : {};
    expect(Object.hasOwn(set, '__proto__')).toBe(true);
  });

  it('refuses a row whose cells do not match the header, or without a group', () => {
    expect(importRowFromCsv(header, ['org', 'a'])).toEqual({
      ok: false,
      reason: '2 cells where the header has 6',
    });
    const row = importRowFromCsv(header, ['', 'a', '', '', '', '']);
    expect(row.ok).toBe(false);
  });
});

describe('csvHeaderProblem', () => {
  it('accepts the key columns followed by distinct property names', () => {
    expect(csvHeaderProblem(header)).toBeUndefined();
    expect(csvHeaderProblem(['group_type', 'group_value'])).toBeUndefined();
  });

  it.each([
    [['group_value', 'group_type'], 'must start with group_type,group_value'],
    [['group_type', 'group_value', 'a', 'a'], 'appears twice'],
    [['group_type', 'group_value', ''], 'has no name'],
  ])('refuses %j', (h, reason) => {
    expect(csvHeaderProblem(h)).toContain(reason);
  });
});
