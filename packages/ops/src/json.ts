/** Any JSON value, as parsed by `JSON.parse`. */
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;

/** A JSON object. Keys are user data: build such objects with {@link setOwn}, never with `obj[key] =`. */
export interface JsonObject {
  [key: string]: JsonValue;
}

/** A group's properties: property name → value. */
export type Properties = JsonObject;

/** True for a non-null, non-array object. */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Sets an own enumerable property even when `key` is `__proto__`: plain assignment would
 * change the prototype instead (prototype pollution).
 */
export function setOwn<T>(target: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else {
    target[key] = value;
  }
}

/** Own value of `key`, or `undefined` when absent (never an inherited one such as `toString`). */
export function getOwn<T>(target: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(target, key) ? target[key] : undefined;
}
