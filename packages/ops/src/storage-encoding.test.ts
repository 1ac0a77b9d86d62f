import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { JsonObject } from './json.js';
import { decodeName, decodeProperties, encodeName, encodeProperties } from './storage-encoding.js';

const ODD_NAMES = ['a.b', '$set', '$', '.', '..', '%', '%24', '%2E', '__proto__', 'constructor', '', ' ', 'ü 🎉', 'a\0b', '_id'];

/** What MongoDB accepts as a field name without treating it as a path or an operator. */
function isSafeFieldName(name: string): boolean {
  return name.length > 0 && !name.includes('.') && !name.startsWith('$') && !name.includes('\0') && name !== '__proto__';
}

describe('property-name encoding (SPEC §3 rule 4)', () => {
  it.each(ODD_NAMES)('%j encodes to a safe field name and back exactly', (name) => {
    const encoded = encodeName(name);
    expect(isSafeFieldName(encoded)).toBe(true);
    expect(decodeName(encoded)).toBe(name);
  });

  it('keeps ordinary names readable', () => {
    expect(encodeName('company_size')).toBe('company_size');
    expect(encodeName('plan tier')).toBe('plan tier');
  });

  it('is exact and safe for any string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (name) => {
        const encoded = encodeName(name);
        return isSafeFieldName(encoded) && decodeName(encoded) === name;
      }),
      { numRuns: 2000 },
    );
  });

  it('is injective', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => a === b || encodeName(a) !== encodeName(b)),
      { numRuns: 2000 },
    );
  });

  it('encodes keys of objects nested in values, and round-trips them', () => {
    const properties = JSON.parse(
      '{"a.b": {"$x": [{"__proto__": {"c.d": 1}}], "": 2}, "__proto__": {"polluted": true}}',
    ) as JsonObject;
    const encoded = encodeProperties(properties);
    expect(JSON.stringify(encoded)).toBe(
      '{"a%2Eb":{"%24x":[{"%5F_proto__":{"c%2Ed":1}}],"%":2},"%5F_proto__":{"polluted":true}}',
    );
    expect(decodeProperties(encoded)).toStrictEqual(properties);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
