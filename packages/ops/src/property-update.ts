import { deepEqual } from './deep-equal.js';
import { getOwn, type JsonValue, type Properties } from './json.js';
import type { StoredForm } from './stored-form.js';

/** Classic MongoDB update operators (no aggregation pipeline: runs on every MongoDB-wire server). */
export interface MongoUpdate {
  $set: Record<string, unknown>;
  $setOnInsert?: Record<string, unknown>;
  $inc?: Record<string, number>;
  $push?: Record<string, { $each: JsonValue[] }>;
  $unset?: Record<string, ''>;
}

/**
 * Operators that take the stored `properties` (field `field`, in `form`) from `before` to
 * `after`, exactly one operator per path (MongoDB refuses two on one path): `$unset` for removed
 * properties, `$inc` when both sides are safe integers and `form` stores the sum exactly,
 * `$push: {$each}` when the new array only grows at the end, `$set` otherwise. For a new group,
 * or when no property of `before` is left (`$clearAll`), the whole field is `$set` at once.
 */
export function propertyUpdate(
  field: string,
  before: Properties | undefined,
  after: Properties,
  form: StoredForm,
): MongoUpdate {
  const ops: MongoUpdate = { $set: {} };
  const beforeKeys = before === undefined ? [] : Object.keys(before);
  const survivors = beforeKeys.filter((key) => getOwn(after, key) !== undefined).length;
  if (before === undefined || (beforeKeys.length > 0 && survivors === 0)) {
    ops.$set[field] = form.properties(after);
    return ops;
  }
  const pathOf = (name: string): string => `${field}.${form.name(name)}`;
  for (const key of beforeKeys) {
    if (getOwn(after, key) === undefined) (ops.$unset ??= {})[pathOf(key)] = '';
  }
  for (const key of Object.keys(after)) {
    addPathOperator(ops, pathOf(key), getOwn(before, key), after[key] as JsonValue, form);
  }
  return ops;
}

function addPathOperator(
  ops: MongoUpdate,
  path: string,
  from: JsonValue | undefined,
  to: JsonValue,
  form: StoredForm,
): void {
  if (from !== undefined && deepEqual(from, to)) return;
  const delta = increment(from, to, form);
  if (delta !== undefined) {
    (ops.$inc ??= {})[path] = delta;
    return;
  }
  const suffix = appendedSuffix(from, to);
  if (suffix !== undefined) {
    (ops.$push ??= {})[path] = { $each: suffix.map((v) => form.element(v)) };
    return;
  }
  ops.$set[path] = form.value(to);
}

/** The elements appended when `to` is `from` plus a non-empty tail; otherwise undefined. */
function appendedSuffix(from: JsonValue | undefined, to: JsonValue): JsonValue[] | undefined {
  if (!Array.isArray(from) || !Array.isArray(to) || to.length <= from.length) return undefined;
  for (let i = 0; i < from.length; i++) {
    if (!deepEqual(from[i] as JsonValue, to[i] as JsonValue)) return undefined;
  }
  return to.slice(from.length);
}

/** The exact delta from `from` to `to` (safe integers, and the store keeps the sum exact). */
function increment(
  from: JsonValue | undefined,
  to: JsonValue,
  form: StoredForm,
): number | undefined {
  if (typeof from !== 'number' || typeof to !== 'number') return undefined;
  const delta = to - from;
  if (![from, to, delta].every(Number.isSafeInteger)) return undefined;
  return form.exactIncrement(from, to) ? delta : undefined;
}
