import { deepEqual } from './deep-equal.js';
import { getOwn, type JsonValue, type Properties } from './json.js';
import {
  encodeArrayElement,
  encodeName,
  encodeProperties,
  encodeValue,
} from './storage-encoding.js';

/** Classic MongoDB update operators (no aggregation pipeline: runs on every MongoDB-wire server). */
export interface MongoUpdate {
  $set: Record<string, unknown>;
  $setOnInsert?: Record<string, unknown>;
  $inc?: Record<string, number>;
  $push?: Record<string, { $each: JsonValue[] }>;
  $unset?: Record<string, ''>;
}

/**
 * Operators that take the stored `properties` (field `field`, keys encoded) from `before` to
 * `after`, exactly one operator per path (MongoDB refuses two on one path): `$unset` for removed
 * properties, `$inc` when both sides are safe integers (exact), `$push: {$each}` when the new
 * array only grows at the end, `$set` otherwise. For a new group, or when no property of
 * `before` is left (`$clearAll`), the whole field is `$set` at once.
 */
export function propertyUpdate(
  field: string,
  before: Properties | undefined,
  after: Properties,
): MongoUpdate {
  const ops: MongoUpdate = { $set: {} };
  const beforeKeys = before === undefined ? [] : Object.keys(before);
  const survivors = beforeKeys.filter((key) => getOwn(after, key) !== undefined).length;
  if (before === undefined || (beforeKeys.length > 0 && survivors === 0)) {
    ops.$set[field] = encodeProperties(after);
    return ops;
  }
  for (const key of beforeKeys) {
    if (getOwn(after, key) === undefined) (ops.$unset ??= {})[pathOf(field, key)] = '';
  }
  for (const key of Object.keys(after)) {
    addPathOperator(ops, pathOf(field, key), getOwn(before, key), after[key] as JsonValue);
  }
  return ops;
}

function addPathOperator(
  ops: MongoUpdate,
  path: string,
  from: JsonValue | undefined,
  to: JsonValue,
): void {
  if (from !== undefined && deepEqual(from, to)) return;
  const delta = increment(from, to);
  if (delta !== undefined) {
    (ops.$inc ??= {})[path] = delta;
    return;
  }
  const suffix = appendedSuffix(from, to);
  if (suffix !== undefined) {
    (ops.$push ??= {})[path] = { $each: suffix.map(encodeArrayElement) };
    return;
  }
  ops.$set[path] = encodeValue(to);
}

/** The elements appended when `to` is `from` plus a non-empty tail; otherwise undefined. */
function appendedSuffix(from: JsonValue | undefined, to: JsonValue): JsonValue[] | undefined {
  if (!Array.isArray(from) || !Array.isArray(to) || to.length <= from.length) return undefined;
  for (let i = 0; i < from.length; i++) {
    if (!deepEqual(from[i] as JsonValue, to[i] as JsonValue)) return undefined;
  }
  return to.slice(from.length);
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/**
 * `$inc` is exact for safe integers, except across the int32 boundary: the driver stores small
 * integers as int32, MongoDB promotes an overflowing int32 sum to int64, but FerretDB wraps it
 * around. So no `$inc` that would take a stored int32 out of the int32 range.
 */
function increment(from: JsonValue | undefined, to: JsonValue): number | undefined {
  if (typeof from !== 'number' || typeof to !== 'number') return undefined;
  const delta = to - from;
  if (![from, to, delta].every(Number.isSafeInteger)) return undefined;
  return isInt32(to) || !isInt32(from) ? delta : undefined;
}

function isInt32(n: number): boolean {
  return n >= INT32_MIN && n <= INT32_MAX;
}

function pathOf(field: string, name: string): string {
  return `${field}.${encodeName(name)}`;
}
