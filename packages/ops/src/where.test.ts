import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { setOwn, type JsonObject } from './json.js';
import { matchesWhere, parseWhere, type Where } from './where.js';

const parsed = (text: string): Where => {
  const result = parseWhere(text);
  if (!result.ok) throw new Error(`refused: ${result.reason}`);
  return result.where;
};
const matches = (properties: JsonObject, where: string): boolean =>
  matchesWhere(properties, parsed(where));

describe('parseWhere', () => {
  it('reads equality and operator objects, one condition per operator', () => {
    expect(parsed('{"plan":"pro","seats":{"$gte":5,"$lt":10}}')).toStrictEqual([
      { property: 'plan', op: '$eq', value: 'pro' },
      { property: 'seats', op: '$gte', value: 5 },
      { property: 'seats', op: '$lt', value: 10 },
    ]);
  });

  it('takes any property name as a name: dots, $ and __proto__ included', () => {
    expect(parsed('{"a.b":1,"$x":{"$exists":true},"__proto__":"p"}')).toStrictEqual([
      { property: 'a.b', op: '$eq', value: 1 },
      { property: '$x', op: '$exists', value: true },
      { property: '__proto__', op: '$eq', value: 'p' },
    ]);
    // A value object without operators is an equality on an object value.
    expect(parsed('{"o":{"a":1}}')).toStrictEqual([{ property: 'o', op: '$eq', value: { a: 1 } }]);
  });

  it.each([
    ['not json', 'not valid JSON'],
    ['[1]', 'must be a JSON object of property names'],
    ['"plan"', 'must be a JSON object of property names'],
    ['null', 'must be a JSON object of property names'],
    ['{"$or":[{"a":1}]}', '$or is a query operator; only property conditions are allowed'],
    ['{"$where":"sleep(1)"}', '$where is a query operator; only property conditions are allowed'],
    ['{"a":{"$regex":"x"}}', 'a: $regex is not a supported operator'],
    ['{"a":{"$gt":1,"b":2}}', 'a: an operator object cannot also hold the field b'],
    ['{"a":{"$eq":{"$gt":1}}}', 'a: $eq: operators cannot be nested inside a value ($gt)'],
    ['{"a":{"$in":[{"$ne":1}]}}', 'a: $in: operators cannot be nested inside a value ($ne)'],
    ['{"a":{"b":{"$gt":1}}}', 'a: operators cannot be nested inside a value ($gt)'],
    ['{"a":[{"$gt":1}]}', 'a: operators cannot be nested inside a value ($gt)'],
    ['{"a":{"$in":5}}', 'a: $in takes a list'],
    ['{"a":{"$exists":1}}', 'a: $exists takes true or false'],
    ['{"a":{"$gt":[1]}}', 'a: $gt takes a number or a string'],
    ['{"a":{"$lte":null}}', 'a: $lte takes a number or a string'],
  ])('refuses %s: %s', (text, reason) => {
    const result = parseWhere(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain(reason);
  });

  it('bounds the number of conditions and of listed values', () => {
    const many = Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`p${i}`, i]));
    expect(parseWhere(JSON.stringify(many))).toStrictEqual({
      ok: false,
      reason: 'more than 32 properties',
    });
    const list = { a: { $in: Array.from({ length: 1001 }, (_, i) => i) } };
    expect(parseWhere(JSON.stringify(list))).toStrictEqual({
      ok: false,
      reason: 'a: $in takes at most 1000 values',
    });
  });

  it('bounds the depth of a value as property values are bounded (40 levels)', () => {
    const nested = (levels: number): unknown =>
      Array.from({ length: levels }).reduce<unknown>((inner) => [inner], 1);
    expect(parseWhere(JSON.stringify({ a: nested(40) })).ok).toBe(true);
    for (const where of [
      { a: nested(41) },
      { a: { $eq: nested(41) } },
      { a: { $in: [nested(41)] } },
      { a: { b: nested(40) } },
    ])
      expect(parseWhere(JSON.stringify(where))).toMatchObject({
        ok: false,
        reason: expect.stringContaining('nested deeper than 40 levels') as unknown,
      });
  });

  it('never throws, and what it accepts holds only supported operators', () => {
    fc.assert(
      fc.property(fc.oneof(fc.json(), fc.string()), (text) => {
        const result = parseWhere(text);
        if (result.ok)
          for (const c of result.where)
            expect([
              '$eq',
              '$ne',
              '$gt',
              '$gte',
              '$lt',
              '$lte',
              '$in',
              '$nin',
              '$exists',
            ]).toContain(c.op);
      }),
    );
  });
});

describe('matchesWhere', () => {
  const group: JsonObject = {
    plan: 'pro',
    seats: 12,
    tags: ['a', 'b'],
    nested: { x: 1, y: 2 },
    off: null,
  };

  it('equality matches a value, or an element of an array', () => {
    expect(matches(group, '{"plan":"pro"}')).toBe(true);
    expect(matches(group, '{"plan":"free"}')).toBe(false);
    expect(matches(group, '{"tags":"b"}')).toBe(true);
    expect(matches(group, '{"tags":["a","b"]}')).toBe(true);
    expect(matches(group, '{"tags":["b","a"]}')).toBe(false);
    expect(matches(group, '{"seats":12.0}')).toBe(true);
    expect(matches(group, '{"seats":"12"}')).toBe(false);
  });

  it('compares objects as BSON documents: same keys, same order', () => {
    expect(matches(group, '{"nested":{"x":1,"y":2}}')).toBe(true);
    expect(matches(group, '{"nested":{"y":2,"x":1}}')).toBe(false);
  });

  it('null matches null and a missing property; $exists tells them apart', () => {
    expect(matches(group, '{"off":null}')).toBe(true);
    expect(matches(group, '{"missing":null}')).toBe(true);
    expect(matches(group, '{"off":{"$exists":true}}')).toBe(true);
    expect(matches(group, '{"missing":{"$exists":true}}')).toBe(false);
    expect(matches(group, '{"missing":{"$exists":false}}')).toBe(true);
    expect(matches(group, '{"missing":{"$ne":null}}')).toBe(false);
  });

  it('ranges compare numbers with numbers and strings with strings, by UTF-8 bytes', () => {
    expect(matches(group, '{"seats":{"$gt":10,"$lte":12}}')).toBe(true);
    expect(matches(group, '{"seats":{"$gt":"1"}}')).toBe(false);
    expect(matches(group, '{"plan":{"$gt":"p"}}')).toBe(true);
    expect(matches(group, '{"plan":{"$gt":1}}')).toBe(false);
    expect(matches({ s: 'ä' }, '{"s":{"$gt":"z"}}')).toBe(true); // bytes, not a locale
    expect(matches({ s: 'B' }, '{"s":{"$lt":"a"}}')).toBe(true);
    expect(matches(group, '{"tags":{"$gte":"b"}}')).toBe(true); // an element does
    expect(matches({ deep: [[5]] }, '{"deep":{"$gt":1}}')).toBe(false); // one level, as MongoDB
    expect(matches(group, '{"missing":{"$lt":1}}')).toBe(false);
  });

  it('$in, $nin and $ne, with a missing property', () => {
    expect(matches(group, '{"plan":{"$in":["free","pro"]}}')).toBe(true);
    expect(matches(group, '{"tags":{"$in":["z","a"]}}')).toBe(true);
    expect(matches(group, '{"plan":{"$nin":["free","pro"]}}')).toBe(false);
    expect(matches(group, '{"missing":{"$nin":[1]}}')).toBe(true);
    expect(matches(group, '{"missing":{"$ne":1}}')).toBe(true);
    expect(matches(group, '{"tags":{"$ne":"a"}}')).toBe(false);
  });

  it('reads odd names as names, never through the prototype', () => {
    const odd: JsonObject = {};
    setOwn(odd, '__proto__', 'p');
    setOwn(odd, 'a.b', 1);
    expect(matches(odd, '{"__proto__":"p","a.b":1}')).toBe(true);
    expect(matches({}, '{"constructor":{"$exists":true}}')).toBe(false);
    expect(matches({}, '{"toString":{"$exists":true}}')).toBe(false);
  });

  it('requires every condition', () => {
    expect(matches(group, '{"plan":"pro","seats":{"$lt":5}}')).toBe(false);
    expect(matches(group, '{}')).toBe(true);
  });
});
