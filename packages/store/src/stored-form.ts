import {
  isJsonObject,
  setOwn,
  type JsonObject,
  type JsonValue,
  type StoredForm,
} from '@groupidentify/ops';

// Characters that MongoDB gives a meaning to inside a field name (`.` path separator, NUL is
// not allowed in BSON keys) plus `%`, our escape character, so that decoding is exact.
const UNSAFE_CHARS = /[%.\0]/g;
// FerretDB refuses update paths whose elements start or end with (Unicode) white space.
const EDGE_SPACE = /^[\s\u0085]+|[\s\u0085]+$/g;
const ESCAPE = /%([0-9A-F]{2})|%u([0-9A-F]{4})/g;
const EMPTY_NAME = '%';
// Names of Object.prototype members: `__proto__` would set a prototype, and the others trip a
// bug in js-bson's reader (it looks names up in a plain `fieldsAsRaw` object, finds the
// inherited member, and returns such a field's array of documents as raw Buffers). Stored with
// their first character escaped. A fixed list, so the encoding never depends on the runtime.
const PROTOTYPE_NAMES: ReadonlySet<string> = new Set([
  '__proto__',
  '__defineGetter__',
  '__defineSetter__',
  '__lookupGetter__',
  '__lookupSetter__',
  'constructor',
  'hasOwnProperty',
  'isPrototypeOf',
  'propertyIsEnumerable',
  'toLocaleString',
  'toString',
  'valueOf',
]);

/** `%XX` for a code unit up to 0xFF, `%uXXXX` above. */
function escapeChar(c: string): string {
  const code = c.charCodeAt(0);
  const hex = code.toString(16).toUpperCase();
  return code <= 0xff ? '%' + hex.padStart(2, '0') : '%u' + hex.padStart(4, '0');
}

function escapeRun(run: string): string {
  return run.replace(/[\s\S]/g, escapeChar);
}

/**
 * Encodes a property name (or a key of an object nested in a value) into a safe MongoDB field
 * name (property names are user data: docs/semantics.md): `%`, `.` and NUL are percent-escaped, and so are a leading `$` (so it
 * is never an operator) and leading/trailing white space; names of `Object.prototype` members
 * (`__proto__`, `constructor`, …) get their first character escaped; the empty name becomes `%`.
 * Ordinary names are stored unchanged. {@link decodeName} is the exact inverse.
 */
export function encodeName(name: string): string {
  if (name === '') return EMPTY_NAME;
  let encoded = name.replace(UNSAFE_CHARS, escapeChar).replace(EDGE_SPACE, escapeRun);
  if (encoded.startsWith('$')) encoded = '%24' + encoded.slice(1);
  if (PROTOTYPE_NAMES.has(encoded)) encoded = escapeChar(encoded.charAt(0)) + encoded.slice(1);
  return encoded;
}

/** Inverse of {@link encodeName}. */
export function decodeName(encoded: string): string {
  if (encoded === EMPTY_NAME) return '';
  return encoded.replace(ESCAPE, (_, byte: string | undefined, unit: string | undefined) =>
    String.fromCharCode(parseInt(byte ?? unit ?? '', 16)),
  );
}

// An array directly inside an array is stored wrapped as `{"%[]": [...]}`: FerretDB refuses nested
// arrays. No encoded key can be `%[]` (a `%` from a name is always followed by two hex digits).
const NESTED_ARRAY = '%[]';

/**
 * A copy of a property value in storage form: object keys at every depth encoded with
 * {@link encodeName}, arrays nested directly in arrays wrapped. {@link decodeValue} inverts it.
 */
export function encodeValue(value: JsonValue): JsonValue {
  return encode(value, false);
}

/** Storage form of a value that becomes an array element (e.g. the values of a `$push`). */
export function encodeArrayElement(value: JsonValue): JsonValue {
  return encode(value, true);
}

/** Inverse of {@link encodeValue} and {@link encodeArrayElement}. */
export function decodeValue(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(decodeValue);
  if (!isJsonObject(value)) return value;
  const wrapped = unwrapNestedArray(value);
  if (wrapped !== undefined) return wrapped.map(decodeValue);
  const out: JsonObject = {};
  for (const key of Object.keys(value))
    setOwn(out, decodeName(key), decodeValue(value[key] as JsonValue));
  return out;
}

/** Encodes a whole properties object (names and values). */
export function encodeProperties(properties: JsonObject): JsonObject {
  return encode(properties, false) as JsonObject;
}

/** Decodes a stored properties object (names and values). */
export function decodeProperties(stored: JsonObject): JsonObject {
  return decodeValue(stored) as JsonObject;
}

function encode(value: JsonValue, inArray: boolean): JsonValue {
  if (Array.isArray(value)) {
    const items = value.map((v) => encode(v, true));
    return inArray ? { [NESTED_ARRAY]: items } : items;
  }
  if (!isJsonObject(value)) return value;
  const out: JsonObject = {};
  for (const key of Object.keys(value))
    setOwn(out, encodeName(key), encode(value[key] as JsonValue, false));
  return out;
}

function unwrapNestedArray(value: JsonObject): JsonValue[] | undefined {
  const keys = Object.keys(value);
  if (keys.length !== 1 || keys[0] !== NESTED_ARRAY) return undefined;
  const inner = value[NESTED_ARRAY];
  return Array.isArray(inner) ? inner : undefined;
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const isInt32 = (n: number): boolean => n >= INT32_MIN && n <= INT32_MAX;

/**
 * The form every group is stored in, the same on every MongoDB-wire server: names and nested
 * keys encoded, nested arrays wrapped (above), and no `$inc` that would take a stored int32 out
 * of the int32 range — the driver stores small integers as int32, and MongoDB promotes an
 * overflowing int32 sum to int64 while FerretDB wraps it around; such a change is a `$set`.
 */
export const storedForm: StoredForm = {
  name: encodeName,
  value: encodeValue,
  element: encodeArrayElement,
  properties: encodeProperties,
  decodeProperties,
  exactIncrement: (from, to) => isInt32(to) || !isInt32(from),
};
