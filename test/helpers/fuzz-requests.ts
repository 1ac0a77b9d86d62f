import fc from 'fast-check';
import { OPERATIONS as ALL_OPERATIONS } from '@groupidentify/ops';

/**
 * Arbitraries for fuzzing `/groupidentify` (docs/api.md): whole HTTP requests, from garbage to
 * near-valid identifications with one mutation. Bodies are built as text (not objects) where an
 * own `__proto__` key or a non-JSON number must survive.
 */

export type ApiKeyChoice = 'valid' | 'invalid' | 'missing';
export type Encoding = 'none' | 'gzip' | 'corrupt-gzip' | 'gzip-bomb' | 'other';

export interface FuzzRequest {
  method: string;
  contentType: string | undefined;
  /** Without `api_key`; placed later where the request says (body or query). */
  body: Buffer | undefined;
  apiKey: ApiKeyChoice;
  apiKeyIn: 'body' | 'query';
  bodyKind: 'form' | 'json' | 'bytes' | 'json-value' | 'none';
  query: string;
  encoding: Encoding;
  otherEncoding: string;
  /** Known valid (before the request-level choices): with a good key, POST/GET must answer 200. */
  valid: boolean;
}

const text = fc.string({ unit: 'binary', maxLength: 12 });
const name = fc.string({ minLength: 1, maxLength: 12 }).filter((s) => !s.startsWith('$'));
const numericString = fc.constantFrom('5', '-1.5', '1e3', '0x10', ' 7 ', '', 'NaN', '1e400', '٣');
const hugeString = fc.integer({ min: 1000, max: 3000 }).map((n) => 'x'.repeat(n));
const deep = fc
  .tuple(fc.integer({ min: 35, max: 45 }), fc.boolean())
  .map(([depth, arrays]) => nest(depth, arrays));

/** `depth` levels of `[…]` or `{"a":…}` around `1`, as JSON text. */
function nest(depth: number, arrays: boolean): string {
  return arrays
    ? `${'['.repeat(depth)}1${']'.repeat(depth)}`
    : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

const json = (value: unknown): string => JSON.stringify(value);

/** JSON text of an object with the given (key text, value text) entries, keys as sent. */
function objectText(entries: readonly (readonly [string, string])[]): string {
  return `{${entries.map(([k, v]) => `${json(k)}:${v}`).join(',')}}`;
}

// Every operation that takes an object operand ($clearAll takes anything).
const OPERATIONS = ALL_OPERATIONS.filter((op) => op !== '$clearAll');

const validValue = fc.jsonValue({ maxDepth: 3 }).map(json);
const validProperties = fc.oneof(
  fc.array(fc.tuple(name, validValue), { maxLength: 4 }).map(objectText),
  fc
    .array(
      fc.tuple(
        fc.constantFrom(...OPERATIONS),
        fc.array(fc.tuple(name, validValue), { minLength: 1, maxLength: 3 }),
      ),
      { maxLength: 3 },
    )
    .map((ops) =>
      objectText(
        ops.map(([op, entries]) => [
          op,
          objectText(op === '$add' ? entries.map(([k]) => [k, '1']) : entries),
        ]),
      ),
    ),
);

/** A valid identification as JSON text, as its (key text, value text) entries. */
const validEntries = fc
  .record({
    group_type: name.map(json),
    group_value: fc.oneof(
      name.map(json),
      fc.double({ noNaN: true, noDefaultInfinity: true }).map(json),
    ),
    group_properties: validProperties,
    insert_id: fc.option(name.map(json), { nil: undefined }),
  })
  .map((r) =>
    Object.entries(r).flatMap(([k, v]): [string, string][] => (v === undefined ? [] : [[k, v]])),
  );

const anyValueText = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }).map(json),
  hugeString.map(json),
  deep,
  numericString.map(json),
  fc.constantFrom('1e400', '-0', 'null', '[]', '{}', '"__proto__"', '{"__proto__":{"polluted":1}}'),
);

const badKey = fc.oneof(
  fc.constantFrom(
    '__proto__',
    'constructor',
    'prototype',
    '$foo',
    '$SET',
    '$',
    '',
    'a.b',
    '$clearAll',
  ),
  hugeString,
  text,
);

type Entries = [string, string][];
type Mutate = (entries: Entries) => Entries;

/** One mutation of a valid identification's entries. */
const mutation: fc.Arbitrary<Mutate> = fc.oneof(
  // wrong type / value for a field, or the field dropped
  fc
    .tuple(
      fc.constantFrom('group_type', 'group_value', 'group_properties', 'insert_id'),
      anyValueText,
    )
    .map(([field, value]) => (entries: Entries): Entries => [
      ...entries.filter(([k]) => k !== field),
      [field, value],
    ]),
  fc.constantFrom('group_type', 'group_value', 'group_properties').map(
    (field) =>
      (entries: Entries): Entries =>
        entries.filter(([k]) => k !== field),
  ),
  // odd keys or values inside group_properties (unknown operators, __proto__, huge, deep)
  fc
    .tuple(badKey, anyValueText, fc.constantFrom('plain', '$set', '$add', '$append', '$unknownOp'))
    .map(([key, value, where]) => (entries: Entries): Entries => {
      const props =
        where === 'plain'
          ? objectText([[key, value]])
          : objectText([[where, objectText([[key, value]])]]);
      return [...entries.filter(([k]) => k !== 'group_properties'), ['group_properties', props]];
    }),
  // an own __proto__ / constructor at the top of the identification
  fc
    .constantFrom('__proto__', 'constructor')
    .map((key) => (entries: Entries): Entries => [...entries, [key, '{"group_type":"evil"}']]),
);

/** The `identification` parameter as JSON text, and whether it is known valid. */
const identification: fc.Arbitrary<{ text: string; valid: boolean }> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .array(validEntries, { minLength: 1, maxLength: 3 })
      .map((ids) => ({ text: `[${ids.map(objectText).join(',')}]`, valid: true })),
  },
  { weight: 2, arbitrary: validEntries.map((e) => ({ text: objectText(e), valid: true })) },
  {
    weight: 5,
    arbitrary: fc
      .tuple(fc.array(validEntries, { minLength: 1, maxLength: 3 }), mutation, fc.nat())
      .map(([ids, mutate, at]) => {
        const texts = ids.map((e, i) => objectText(i === at % ids.length ? mutate(e) : e));
        return { text: `[${texts.join(',')}]`, valid: false };
      }),
  },
  {
    weight: 2,
    arbitrary: fc
      .oneof(
        fc.jsonValue().map(json),
        fc.constantFrom('[]', '', 'null', '{', 'undefined', '[1,2]', `[${'{},'.repeat(1024)}{}]`),
        fc.constant(`"${'x'.repeat(1_100_000)}"`), // body over 1 MB
        text,
      )
      .map((t) => ({ text: t, valid: false })),
  },
);

/** `'matching'`: the content type that goes with the body (form or JSON), as a client sends it. */
const contentType = fc.oneof(
  { weight: 3, arbitrary: fc.constant('matching') },
  fc.constantFrom(
    'application/x-www-form-urlencoded',
    'application/json',
    'text/plain',
    'application/json; charset=utf-8',
    'application/vnd.api+json',
    'multipart/form-data; boundary=x',
    'application/octet-stream',
  ),
  fc.constant(undefined),
  fc.stringMatching(/^[!-~][ -~]{0,30}$/),
);

const query = fc.oneof(
  fc.constant(''),
  fc
    .dictionary(fc.constantFrom('identification', 'options', 'x', 'api_key[]'), text, {
      maxKeys: 3,
    })
    .map((d) => new URLSearchParams(d).toString()),
  fc.constantFrom(
    '%',
    '%zz',
    '&&&=&',
    'identification=%E0%A4%A',
    'a=1&a=2&a=3',
    'identification=[]',
  ),
);

const body = fc.oneof(
  { weight: 4, arbitrary: fc.constant('form' as const) },
  { weight: 4, arbitrary: fc.constant('json' as const) },
  { weight: 1, arbitrary: fc.constant('bytes' as const) },
  { weight: 1, arbitrary: fc.constant('json-value' as const) },
  { weight: 1, arbitrary: fc.constant('none' as const) },
);

/** A whole request; `api_key` is added by `toFetch` (fuzz-fetch.ts) once the real key is known. */
export const fuzzRequest: fc.Arbitrary<FuzzRequest> = fc
  .record({
    method: fc.constantFrom('GET', 'GET', 'POST', 'POST', 'POST', 'POST', 'PUT', 'DELETE', 'PATCH'),
    contentType,
    bodyKind: body,
    identification,
    asString: fc.boolean(),
    bytes: fc.uint8Array({ maxLength: 64 }),
    jsonValue: fc.jsonValue({ maxDepth: 3 }),
    apiKey: fc.constantFrom<ApiKeyChoice>('valid', 'valid', 'invalid', 'missing'),
    apiKeyIn: fc.constantFrom<'body' | 'query'>('body', 'query'),
    query,
    encoding: fc.constantFrom<Encoding>(
      'none',
      'none',
      'gzip',
      'corrupt-gzip',
      'gzip-bomb',
      'other',
    ),
    otherEncoding: fc.constantFrom('deflate', 'br', 'identity', 'x-garbage', 'gzip, gzip'),
  })
  .map((r) => {
    const id = r.identification.text;
    const bodies = {
      form: `identification=${encodeURIComponent(id)}`,
      // identification as a JSON string (double-encoded) or as the parsed value itself
      json: `{"identification":${r.asString ? json(id) : id}}`,
      bytes: Buffer.from(r.bytes).toString('latin1'),
      'json-value': json(r.jsonValue),
      none: undefined,
    };
    const text = bodies[r.bodyKind];
    return {
      method: r.method,
      contentType:
        r.contentType !== 'matching'
          ? r.contentType
          : r.bodyKind === 'form'
            ? 'application/x-www-form-urlencoded'
            : r.bodyKind === 'json'
              ? 'application/json'
              : undefined,
      body:
        text === undefined
          ? undefined
          : Buffer.from(text, r.bodyKind === 'bytes' ? 'latin1' : 'utf8'),
      apiKey: r.apiKey,
      apiKeyIn: r.apiKeyIn,
      bodyKind: r.bodyKind,
      query: r.query,
      encoding: r.encoding,
      otherEncoding: r.otherEncoding,
      valid: r.identification.valid,
      // Counterexamples print this, not a megabyte of body bytes.
      [fc.toStringMethod](this: FuzzRequest) {
        const { body: bytes, ...rest } = this;
        const shown = bytes === undefined ? 'none' : describe(bytes);
        return `${JSON.stringify(rest)} body(${bytes?.length ?? 0} bytes)=${shown}`;
      },
    };
  });

function describe(bytes: Buffer): string {
  const head = JSON.stringify(bytes.subarray(0, 300).toString('latin1'));
  return bytes.length > 300 ? `${head}…` : head;
}
