import { LIMITS } from './limits.js';
import { setOwn, type JsonObject, type JsonValue } from './json.js';
import { textProblem } from './storable-text.js';

/**
 * Number of Unicode code points in `text`: a surrogate pair counts once, a lone surrogate
 * (which `JSON.parse` can produce from `"\ud800"`) counts once too.
 */
export function codePointLength(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; count++) i += codePointWidth(text, i);
  return count;
}

/**
 * The first `max` code points of `text` (docs/api.md truncation), never splitting a surrogate
 * pair. Returns `text` itself when it is short enough.
 */
export function truncateCodePoints(text: string, max: number): string {
  // UTF-16 length bounds the code point count from above: the common case costs nothing.
  if (text.length <= max) return text;
  let end = 0;
  for (let count = 0; count < max && end < text.length; count++) end += codePointWidth(text, end);
  return text.slice(0, end);
}

/** UTF-16 units taken by the code point starting at `index`: 2 for a valid pair, else 1. */
function codePointWidth(text: string, index: number): number {
  return (text.codePointAt(index) ?? 0) > 0xffff ? 2 : 1;
}

/**
 * True for an object as `JSON.parse` builds it: not an array, prototype `Object.prototype`
 * or `null`. Dates, Maps, boxed primitives and class instances are not plain objects.
 */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A normalized property value, or why the value is refused. */
export type NormalizedValue = { ok: true; value: JsonValue } | { ok: false; reason: string };

/** Reason given for a property value nested deeper than {@link LIMITS.maxDepth}. */
export const TOO_DEEP_REASON = `nested deeper than ${LIMITS.maxDepth} levels`;

/**
 * Reason given for a value that JSON cannot carry (`undefined`, `NaN`, a `Date`, a sparse-array
 * hole…). Only reachable from callers that build input without `JSON.parse`; refused rather than
 * thrown on, so that no input yields a 5xx (docs/api.md).
 */
export const NOT_JSON_REASON = 'must be a JSON value';

class Refusal {
  constructor(readonly reason: string) {}
}

const TOO_DEEP = new Refusal(TOO_DEEP_REASON);
const NOT_JSON = new Refusal(NOT_JSON_REASON);

/** `text` as kept (truncated), or the refusal of text that cannot be kept (storable-text.ts). */
function keptText(text: string, max: number): string | Refusal {
  const kept = truncateCodePoints(text, max);
  const problem = textProblem(kept);
  return problem === undefined ? kept : new Refusal(problem);
}

/**
 * Deep-copies one property value (docs/api.md, §3 rule 3): strings at any depth truncated to
 * {@link LIMITS.maxStringLength} code points, object keys kept exactly as sent (set with
 * {@link setOwn}, so an own `__proto__` stays an own key), nesting deeper than
 * {@link LIMITS.maxDepth} refused. Depth: a scalar is 0, `[1]` is 1, `{"a":[1]}` is 2, `[]` is 1.
 * The input is never mutated; the walk stops at the first refusal, so cyclic input terminates.
 */
export function normalizeValue(value: unknown): NormalizedValue {
  const copy = copyValue(value, 0);
  return copy instanceof Refusal ? { ok: false, reason: copy.reason } : { ok: true, value: copy };
}

/** `enclosing` is the number of containers around `value`. */
function copyValue(value: unknown, enclosing: number): JsonValue | Refusal {
  if (value === null || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : NOT_JSON;
  if (typeof value === 'string') return keptText(value, LIMITS.maxStringLength);
  if (Array.isArray(value)) {
    return enclosing >= LIMITS.maxDepth
      ? TOO_DEEP
      : copyArray(value as readonly unknown[], enclosing + 1);
  }
  if (isPlainObject(value)) {
    return enclosing >= LIMITS.maxDepth ? TOO_DEEP : copyObject(value, enclosing + 1);
  }
  return NOT_JSON;
}

function copyArray(array: readonly unknown[], enclosing: number): JsonValue[] | Refusal {
  const copy: JsonValue[] = [];
  // Not map/forEach, which skip holes: a hole must be seen (as `undefined`) and refused.
  for (let i = 0; i < array.length; i++) {
    const element = copyValue(array[i], enclosing);
    if (element instanceof Refusal) return element;
    copy.push(element);
  }
  return copy;
}

function copyObject(object: Record<string, unknown>, enclosing: number): JsonObject | Refusal {
  const copy: JsonObject = {};
  for (const key of Object.keys(object)) {
    const problem = textProblem(key);
    if (problem !== undefined) return new Refusal(`a key ${problem}`);
    const element = copyValue(object[key], enclosing);
    if (element instanceof Refusal) return element;
    setOwn(copy, key, element);
  }
  return copy;
}
