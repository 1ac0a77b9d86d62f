import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { JsonObject } from '@groupidentify/ops';
import { decodeName, decodeProperties, encodeName, encodeProperties } from './stored-form.js';

const ODD_NAMES = [
  'a.b',
  '$set',
  '$',
  '.',
  '..',
  '%',
  '%24',
  '%u0020',
  '%2E',
  '__proto__',
  'constructor',
  '',
  ' ',
  ' a ',
  '\u3000x\u2028',
  'ü 🎉',
  'a\0b',
  '_id',
];

/** What MongoDB accepts as a field name without treating it as a path or an operator. */
function isSafeFieldName(name: string): boolean {
  return (
    name.length > 0 &&
    !name.includes('.') &&
    !name.startsWith('$') &&
    !name.includes('\0') &&
    !Object.hasOwn(Object.prototype, name) &&
    name.trim() === name // FerretDB refuses path elements with edge white space
  );
}

describe('property-name encoding (docs/semantics.md)', () => {
  it.each(ODD_NAMES)('%j encodes to a safe field name and back exactly', (name) => {
    const encoded = encodeName(name);
    expect(isSafeFieldName(encoded)).toBe(true);
    expect(decodeName(encoded)).toBe(name);
  });

  it('keeps ordinary names readable', () => {
    expect(encodeName('company_size')).toBe('company_size');
    expect(encodeName('plan tier')).toBe('plan tier');
    expect(encodeName('constructor')).toBe('%63onstructor');
    expect(encodeName('toString')).toBe('%74oString');
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

describe('nested arrays (FerretDB refuses an array directly inside an array)', () => {
  it('wraps them in storage and unwraps them exactly', () => {
    const properties = { l: [[1, [2]], { a: [[3]] }], '%[]': [[4]] } as JsonObject;
    const encoded = encodeProperties(properties);
    expect(JSON.stringify(encoded)).toBe(
      '{"l":[{"%[]":[1,{"%[]":[2]}]},{"a":[{"%[]":[3]}]}],"%25[]":[{"%[]":[4]}]}',
    );
    expect(decodeProperties(encoded)).toStrictEqual(properties);
  });

  it('round-trips any JSON value', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (properties) => {
        const parsed = JSON.parse(JSON.stringify(properties)) as JsonObject;
        expect(decodeProperties(encodeProperties(parsed))).toStrictEqual(parsed);
      }),
      { numRuns: 500 },
    );
  });
});
