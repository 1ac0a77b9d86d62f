import { isJsonObject, setOwn, type JsonObject, type JsonValue } from './json.js';

// Characters that MongoDB gives a meaning to inside a field name (`.` path separator, NUL is
// not allowed in BSON keys) plus `%`, our escape character, so that decoding is exact.
const UNSAFE_CHARS = /[%.\0]/g;
const ESCAPE = /%([0-9A-F]{2})/g;
const EMPTY_NAME = '%';

function escapeChar(c: string): string {
  return '%' + c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0');
}

/**
 * Encodes a property name (or a key of an object nested in a value) into a safe MongoDB field
 * name (SPEC §3 rule 4): `%`, `.` and NUL are percent-escaped, a leading `$` too (so it is never
 * an operator), `__proto__` gets its first `_` escaped, and the empty name becomes `%`.
 * Ordinary names are stored unchanged. {@link decodeName} is the exact inverse.
 */
export function encodeName(name: string): string {
  if (name === '') return EMPTY_NAME;
  let encoded = name.replace(UNSAFE_CHARS, escapeChar);
  if (encoded.startsWith('$')) encoded = '%24' + encoded.slice(1);
  if (encoded === '__proto__') encoded = '%5F_proto__';
  return encoded;
}

/** Inverse of {@link encodeName}. */
export function decodeName(encoded: string): string {
  if (encoded === EMPTY_NAME) return '';
  return encoded.replace(ESCAPE, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** A copy of `value` whose object keys, at every depth, are encoded with {@link encodeName}. */
export function encodeValue(value: JsonValue): JsonValue {
  return mapKeys(value, encodeName);
}

/** Inverse of {@link encodeValue}. */
export function decodeValue(value: JsonValue): JsonValue {
  return mapKeys(value, decodeName);
}

/** Encodes a whole properties object (names and nested keys). */
export function encodeProperties(properties: JsonObject): JsonObject {
  return mapKeys(properties, encodeName) as JsonObject;
}

/** Decodes a stored properties object (names and nested keys). */
export function decodeProperties(stored: JsonObject): JsonObject {
  return mapKeys(stored, decodeName) as JsonObject;
}

function mapKeys(value: JsonValue, rename: (key: string) => string): JsonValue {
  if (Array.isArray(value)) return value.map((v) => mapKeys(v, rename));
  if (!isJsonObject(value)) return value;
  const out: JsonObject = {};
  for (const key of Object.keys(value)) setOwn(out, rename(key), mapKeys(value[key] as JsonValue, rename));
  return out;
}
