import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formParams } from './form-params.js';

const NAMES = ['api_key', 'identification'] as const;

/** The reference: what URLSearchParams makes of the same body (first value of each name). */
function reference(body: string): Partial<Record<(typeof NAMES)[number], string>> {
  const params = new URLSearchParams(body);
  const out: Partial<Record<(typeof NAMES)[number], string>> = {};
  for (const name of NAMES) {
    const value = params.get(name);
    if (value !== null) out[name] = value;
  }
  return out;
}

// Bodies built from the characters that matter to form decoding, plus the two names and some
// well-formed, malformed and multi-byte percent escapes.
const piece = fc.oneof(
  fc.constantFrom('api_key', 'identification', 'api%5Fkey', 'api+key', '=', '&', '+', '%'),
  fc.constantFrom('%2', '%zz', '%41', '%E2%82%AC', '%E2%82', '%C3%A9', '%25', '%2B', '%26', '%3D'),
  fc.constantFrom('?', '%4+1', '%+41', '%+', 'é', '€'),
  fc.string({ unit: 'grapheme', maxLength: 6 }),
);
const body = fc.array(piece, { maxLength: 30 }).map((parts) => parts.join(''));

describe('formParams', () => {
  it('decodes like URLSearchParams (first value of each name)', () => {
    fc.assert(
      fc.property(body, (b) => {
        expect(formParams(b, NAMES)).toEqual(reference(b));
      }),
      { numRuns: 5000 },
    );
  });

  it('reads a 1 MB body of pairs without "=" (all of it, once)', () => {
    const big = 'a&'.repeat(512 * 1024) + 'api_key=k';
    expect(formParams(big, NAMES)).toEqual({ api_key: 'k' });
  });

  it.each([
    ['api_key=k&identification=%7B%22a%22%3A1%7D', { api_key: 'k', identification: '{"a":1}' }],
    ['identification=a+b%2Bc&api_key=x&api_key=y', { api_key: 'x', identification: 'a b+c' }],
    ['api_key&identification=', { api_key: '', identification: '' }],
    ['&&api_key=%zz%41&', { api_key: '%zzA' }],
    ['other=1', {}],
    ['?api_key=x', { api_key: 'x' }],
    ['api_key=%4+1é', { api_key: '%4 1\uFFFD' }],
  ])('%s', (input, expected) => {
    expect(formParams(input, NAMES)).toEqual(expected);
  });
});

describe('formParams: which parameters it reads', () => {
  it('reads only the names asked for, ignoring every other one', () => {
    const body = 'api_key=k&identification=i&other=o';
    expect(formParams(body, ['identification'])).toEqual({ identification: 'i' });
    expect(formParams(body, ['other', 'api_key'])).toEqual({ api_key: 'k', other: 'o' });
    expect(formParams(body, [])).toEqual({});
  });

  it('keeps the first value of a name, even an empty one', () => {
    expect(formParams('api_key=&api_key=k', NAMES)).toEqual({ api_key: '' });
    expect(formParams('x=1&identification=a&api_key=k&identification=b', NAMES)).toEqual({
      api_key: 'k',
      identification: 'a',
    });
  });

  it('matches names once decoded', () => {
    expect(formParams('api%5Fkey=k&identific%61tion=i', NAMES)).toEqual({
      api_key: 'k',
      identification: 'i',
    });
    expect(formParams('api+key=k', ['api key'])).toEqual({ 'api key': 'k' });
  });

  it('does not take a name that is only a prefix or a part of another', () => {
    expect(formParams('api_key_2=x&my_api_key=y&api_ke=z', NAMES)).toEqual({});
  });
});
