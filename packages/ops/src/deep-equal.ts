import { isJsonObject, type JsonValue } from './json.js';

/**
 * JSON deep equality: arrays element by element in order, objects by own keys and values
 * regardless of key order (docs/semantics.md). `0` and `-0` are equal, as in JSON.
 */
export function deepEqual(a: JsonValue, b: JsonValue): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return (
      Array.isArray(b) &&
      a.length === b.length &&
      a.every((x, i) => deepEqual(x, b[i] as JsonValue))
    );
  }
  if (isJsonObject(a) && isJsonObject(b)) {
    const keys = Object.keys(a);
    if (keys.length !== Object.keys(b).length) return false;
    return keys.every(
      (k) => Object.hasOwn(b, k) && deepEqual(a[k] as JsonValue, b[k] as JsonValue),
    );
  }
  return false;
}

/** True when `list` holds an element deep-equal to `value`. */
export function includesDeep(list: readonly JsonValue[], value: JsonValue): boolean {
  return list.some((x) => deepEqual(x, value));
}
