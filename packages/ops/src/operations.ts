/**
 * The property operations of docs/semantics.md, in the order they apply within one identification
 * (docs/semantics.md), whatever the JSON key order. Plain keys apply after all of them.
 */
export const OPERATIONS = [
  '$clearAll',
  '$unset',
  '$set',
  '$setOnce',
  '$add',
  '$append',
  '$prepend',
  '$preInsert',
  '$postInsert',
  '$remove',
] as const;

/** One of {@link OPERATIONS}. */
export type Operation = (typeof OPERATIONS)[number];

const OPERATION_SET: ReadonlySet<string> = new Set(OPERATIONS);

/** True when `key` names a known operation. */
export function isOperation(key: string): key is Operation {
  return OPERATION_SET.has(key);
}

/** A top-level `group_properties` key starting with `$` is an operator, known or not (rule 6). */
export function isOperatorKey(key: string): boolean {
  return key.startsWith('$');
}
