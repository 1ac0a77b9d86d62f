import type { JsonObject, JsonValue, Properties } from './json.js';

/**
 * How the store writes property names and values: its encoding, and the rules of the servers it
 * must run on identically. The translation into MongoDB update operators
 * ({@link propertyUpdate}, {@link planGroupWrite}) takes it as an argument, so this package
 * knows the operators but no storage encoding and no backend.
 */
export interface StoredForm {
  /** The stored field name of a property name (or of a key of an object inside a value). */
  name(name: string): string;
  /** A value in stored form. */
  value(value: JsonValue): JsonValue;
  /** A value in stored form as an element of a stored array (e.g. one pushed with `$push`). */
  element(value: JsonValue): JsonValue;
  /** A whole properties object in stored form. */
  properties(properties: Properties): JsonObject;
  /** Stored properties back to what was sent. */
  decodeProperties(stored: JsonObject): Properties;
  /** Whether the store gives an `$inc` taking the integer `from` to `to` exactly. */
  exactIncrement(from: number, to: number): boolean;
}
