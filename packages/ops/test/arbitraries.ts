import fc from 'fast-check';
import { setOwn, type JsonObject, type JsonValue } from '../src/json.js';

/** Property names that stress storage and prototypes, plus a few ordinary ones to collide on. */
export const propertyName = fc.constantFrom(
  'a',
  'b',
  'c',
  'n',
  'list',
  'a.b',
  '$x',
  '__proto__',
  'constructor',
  'toString',
  'ü 🎉',
  '%',
  '%24',
  ' ',
);

const nestedKey = fc.constantFrom('k', 'x.y', '$k', '__proto__', '', '%');

/** Small JSON values: numbers (incl. numeric strings), strings, null, nested objects/arrays. */
export const jsonValue: fc.Arbitrary<JsonValue> = fc.letrec<{ value: JsonValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.integer({ min: -1000, max: 1000 }),
    fc.constantFrom(1.5, -0.25, 2 ** 31, 2 ** 53 - 1, 1e300),
    fc.constantFrom('5', ' 7 ', 'x', '', '1e2', 'abc'),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 3 }),
    fc
      .dictionary(nestedKey, tie('value'), { maxKeys: 2 })
      .map((o) => JSON.parse(JSON.stringify(o)) as JsonObject),
  ),
})).value;

const numberLike = fc.oneof(fc.integer({ min: -100, max: 100 }), fc.constantFrom('3', '-2', 0.5));

const operand = (value: fc.Arbitrary<JsonValue>): fc.Arbitrary<JsonObject> =>
  fc
    .dictionary(propertyName, value, { maxKeys: 3 })
    .map((o) => JSON.parse(JSON.stringify(o)) as JsonObject);

const listOperand = fc.oneof(jsonValue, fc.array(jsonValue, { maxLength: 3 }));

/** A valid `group_properties`: any mix of operations and plain keys. */
export const groupProperties: fc.Arbitrary<JsonObject> = fc
  .record(
    {
      // Rare, or it would erase most of what the other operations build.
      $clearAll: fc.constantFrom('-', undefined, undefined, undefined, undefined),
      $unset: operand(fc.constant('-')),
      $set: operand(jsonValue),
      $setOnce: operand(jsonValue),
      $add: operand(numberLike),
      $append: operand(listOperand),
      $prepend: operand(listOperand),
      $preInsert: operand(listOperand),
      $postInsert: operand(listOperand),
      $remove: operand(listOperand),
      plain: operand(jsonValue),
    },
    { requiredKeys: [] },
  )
  .map(
    ({ plain, ...ops }) => JSON.parse(JSON.stringify({ ...ops, ...(plain ?? {}) })) as JsonObject,
  );

/** A random order of keys must not matter: shuffle the top-level keys. */
export const shuffledGroupProperties: fc.Arbitrary<JsonObject> = groupProperties.chain((gp) =>
  fc.shuffledSubarray(Object.keys(gp), { minLength: Object.keys(gp).length }).map((keys) => {
    const out: JsonObject = {};
    for (const k of keys) setOwn(out, k, gp[k] as JsonValue);
    return out;
  }),
);
