import { includesDeep } from './deep-equal.js';
import type { JsonValue } from './json.js';
import { LIMITS } from './limits.js';

/** The operations that treat a property as a list (docs/semantics.md). */
export type ListOperation = '$append' | '$prepend' | '$preInsert' | '$postInsert' | '$remove';

const LIST_OPERATIONS: ReadonlySet<string> = new Set<ListOperation>([
  '$append',
  '$prepend',
  '$preInsert',
  '$postInsert',
  '$remove',
]);

/** True for the list operations. */
export function isListOperation(op: string): op is ListOperation {
  return LIST_OPERATIONS.has(op);
}

/**
 * The new value of a property after a list operation. An absent property starts as `[]`, a
 * non-array value `x` as `[x]`; the operand is one value or an array of values. Lists grown by
 * appends keep their last {@link LIMITS.maxArrayLength} elements, by prepends their first.
 * Returns a new array; `existing` is never mutated.
 */
export function applyListOperation(
  op: ListOperation,
  existing: JsonValue | undefined,
  operand: JsonValue,
): JsonValue[] {
  const base = existing === undefined ? [] : Array.isArray(existing) ? existing : [existing];
  const values = Array.isArray(operand) ? operand : [operand];
  switch (op) {
    case '$append':
      return keepLast([...base, ...values]);
    case '$prepend':
      return keepFirst([...values, ...base]);
    case '$postInsert':
      return keepLast([...base, ...newValues(base, values)]);
    case '$preInsert':
      return keepFirst([...newValues(base, values), ...base]);
    case '$remove':
      return base.filter((x) => !includesDeep(values, x));
  }
}

/** The values not already in `base` (deep equality), each once, in operand order. */
function newValues(base: readonly JsonValue[], values: readonly JsonValue[]): JsonValue[] {
  const fresh: JsonValue[] = [];
  for (const v of values) {
    if (!includesDeep(base, v) && !includesDeep(fresh, v)) fresh.push(v);
  }
  return fresh;
}

function keepLast(list: JsonValue[]): JsonValue[] {
  return list.length > LIMITS.maxArrayLength
    ? list.slice(list.length - LIMITS.maxArrayLength)
    : list;
}

function keepFirst(list: JsonValue[]): JsonValue[] {
  return list.length > LIMITS.maxArrayLength ? list.slice(0, LIMITS.maxArrayLength) : list;
}
