import { getOwn, isJsonObject, type JsonValue, type Properties } from './json.js';
import { LIMITS } from './limits.js';

/** The operators a `where` condition may use. */
export const WHERE_OPERATORS = [
  '$eq',
  '$ne',
  '$gt',
  '$gte',
  '$lt',
  '$lte',
  '$in',
  '$nin',
  '$exists',
] as const;

export type WhereOperator = (typeof WHERE_OPERATORS)[number];

/** One condition on one property, by its name as sent. */
export interface WhereCondition {
  property: string;
  op: WhereOperator;
  /** `$in`/`$nin`: a list; `$exists`: a boolean; `$gt`…: a number or a string; else any value. */
  value: JsonValue;
}

/** A parsed `where`: every condition must hold. */
export type Where = WhereCondition[];

/**
 * MongoDB's query operators that only make sense at the top of a filter: a `where` refuses them
 * as property names rather than take `{"$or": […]}` for an equality on a property named `$or`.
 */
const TOP_LEVEL_OPERATORS: ReadonlySet<string> = new Set([
  '$and',
  '$or',
  '$nor',
  '$not',
  '$where',
  '$expr',
  '$text',
  '$comment',
  '$jsonSchema',
]);

const MAX_CONDITIONS = 32;
const MAX_LIST = 1000;

/**
 * Parses a `where` (docs/api.md#finding-groups-by-property): a JSON object of property names
 * as sent (any name: `a.b`, `$x` and `__proto__` are names, never paths or operators) to either a
 * value (equality; a property holding an array matches if it contains the value) or an object of
 * operators among {@link WHERE_OPERATORS}. The reason says what is wrong otherwise.
 */
export function parseWhere(
  text: string,
): { ok: true; where: Where } | { ok: false; reason: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'not valid JSON' };
  }
  if (!isJsonObject(json)) return { ok: false, reason: 'must be a JSON object of property names' };
  const names = Object.keys(json);
  if (names.length > MAX_CONDITIONS)
    return { ok: false, reason: `more than ${MAX_CONDITIONS} properties` };
  const where: Where = [];
  for (const property of names) {
    if (TOP_LEVEL_OPERATORS.has(property))
      return {
        ok: false,
        reason: `${property} is a query operator; only property conditions are allowed`,
      };
    const parsed = parseCondition(property, json[property] as JsonValue);
    if (typeof parsed === 'string') return { ok: false, reason: parsed };
    where.push(...parsed);
  }
  return { ok: true, where };
}

/** The conditions on one property, or why its value is refused. */
function parseCondition(property: string, value: JsonValue): WhereCondition[] | string {
  if (!isJsonObject(value) || !Object.keys(value).some((k) => k.startsWith('$'))) {
    const refused = refuseOperatorLike(value, property);
    return refused ?? [{ property, op: '$eq', value }];
  }
  const conditions: WhereCondition[] = [];
  for (const key of Object.keys(value)) {
    if (!(WHERE_OPERATORS as readonly string[]).includes(key))
      return key.startsWith('$')
        ? `${property}: ${key} is not a supported operator (${WHERE_OPERATORS.join(' ')})`
        : `${property}: an operator object cannot also hold the field ${key}`;
    const op = key as WhereOperator;
    const operand = value[key] as JsonValue;
    const refused = checkOperand(property, op, operand);
    if (refused !== undefined) return refused;
    conditions.push({ property, op, value: operand });
  }
  return conditions;
}

function checkOperand(property: string, op: WhereOperator, operand: JsonValue): string | undefined {
  const where = `${property}: ${op}`;
  if (op === '$exists')
    return typeof operand === 'boolean' ? undefined : `${where} takes true or false`;
  if (op === '$in' || op === '$nin') {
    if (!Array.isArray(operand)) return `${where} takes a list`;
    if (operand.length > MAX_LIST) return `${where} takes at most ${MAX_LIST} values`;
    for (const v of operand) {
      const refused = refuseOperatorLike(v, where);
      if (refused !== undefined) return refused;
    }
    return undefined;
  }
  if (op === '$gt' || op === '$gte' || op === '$lt' || op === '$lte')
    return typeof operand === 'number' || typeof operand === 'string'
      ? undefined
      : `${where} takes a number or a string`;
  return refuseOperatorLike(operand, where);
}

/**
 * A value may not hold an operator object at any depth: one operator object is the limit. Nor may
 * it nest deeper than a property value may ({@link LIMITS.maxDepth}, counted the same way: a
 * scalar is 0, `[1]` is 1): no stored value could equal it, and the walk stays bounded.
 * `enclosing` is the number of containers around `value`.
 */
function refuseOperatorLike(value: JsonValue, where: string, enclosing = 0): string | undefined {
  if (Array.isArray(value) || isJsonObject(value)) {
    if (enclosing >= LIMITS.maxDepth)
      return `${where}: nested deeper than ${LIMITS.maxDepth} levels`;
  }
  if (Array.isArray(value)) {
    for (const v of value) {
      const refused = refuseOperatorLike(v, where, enclosing + 1);
      if (refused !== undefined) return refused;
    }
    return undefined;
  }
  if (!isJsonObject(value)) return undefined;
  for (const key of Object.keys(value)) {
    if (key.startsWith('$')) return `${where}: operators cannot be nested inside a value (${key})`;
    const refused = refuseOperatorLike(value[key] as JsonValue, where, enclosing + 1);
    if (refused !== undefined) return refused;
  }
  return undefined;
}

/**
 * Whether `properties` satisfy `where`, with MongoDB's semantics for these operators: equality
 * also matches an array holding the value; `$gt`… compare numbers with numbers and strings with
 * strings (an array matches if an element does); `$ne`/`$nin` also match a missing property.
 * Objects are equal with the same keys in the same order, as BSON documents are.
 */
export function matchesWhere(properties: Properties, where: Where): boolean {
  return where.every((c) => matchesCondition(getOwn(properties, c.property), c));
}

function matchesCondition(field: JsonValue | undefined, c: WhereCondition): boolean {
  switch (c.op) {
    case '$exists':
      return (field !== undefined) === c.value;
    case '$eq':
      return equalsOrContains(field, c.value);
    case '$ne':
      return !equalsOrContains(field, c.value);
    case '$in':
      return (c.value as JsonValue[]).some((v) => equalsOrContains(field, v));
    case '$nin':
      return !(c.value as JsonValue[]).some((v) => equalsOrContains(field, v));
    default:
      return compares(field, c.op, c.value as number | string);
  }
}

function equalsOrContains(field: JsonValue | undefined, value: JsonValue): boolean {
  if (field === undefined) return value === null; // MongoDB: {p: null} matches a missing p
  if (sameValue(field, value)) return true;
  return Array.isArray(field) && field.some((element) => sameValue(element, value));
}

function compares(
  field: JsonValue | undefined,
  op: WhereOperator,
  bound: number | string,
): boolean {
  if (field === undefined) return false;
  // One level only, as MongoDB: an array's elements are compared, an array inside it is not.
  if (Array.isArray(field))
    return field.some((element) => !Array.isArray(element) && compares(element, op, bound));
  if (typeof field !== typeof bound) return false;
  // Strings compare as MongoDB compares them: by their UTF-8 bytes.
  const order =
    typeof field === 'number'
      ? Math.sign(field - (bound as number))
      : Buffer.compare(Buffer.from(field as string), Buffer.from(bound as string));
  switch (op) {
    case '$gt':
      return order > 0;
    case '$gte':
      return order >= 0;
    case '$lt':
      return order < 0;
    default:
      return order <= 0;
  }
}

/** BSON equality of JSON values: objects with the same keys, in the same order. */
function sameValue(a: JsonValue, b: JsonValue): boolean {
  if (a === b) return true;
  if (Array.isArray(a))
    return (
      Array.isArray(b) &&
      a.length === b.length &&
      a.every((x, i) => sameValue(x, b[i] as JsonValue))
    );
  if (!isJsonObject(a) || !isJsonObject(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return (
    ka.length === kb.length &&
    ka.every((k, i) => k === kb[i] && sameValue(a[k] as JsonValue, b[k] as JsonValue))
  );
}
