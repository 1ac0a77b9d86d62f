import { LIMITS } from './limits.js';
import { setOwn, type JsonObject, type JsonValue } from './json.js';
import { codePointLength, isPlainObject, normalizeValue } from './normalize-value.js';
import { isOperation, isOperatorKey, type Operation } from './operations.js';
import { toFiniteNumber } from './numeric.js';
import { textProblem } from './storable-text.js';

/** Records one problem of the identification being validated: a dotted field and a reason. */
export type ReportProblem = (field: string, reason: string) => void;

/**
 * Operand stored for `$clearAll`. Its operand is ignored (docs/semantics.md), so whatever was sent is
 * replaced by the conventional `"-"`: nothing unvalidated (too deep, not JSON) is carried on.
 */
export const CLEAR_ALL_OPERAND = '-';

/**
 * Validates and normalizes a `group_properties` object (docs/api.md, §3), reporting every problem
 * in key order. Returns the normalized copy, meaningful only when nothing was reported:
 * - a top-level `$` key must be a known operation (rule 6); `$clearAll` takes any operand, the
 *   others an object of property names to values;
 * - property names (plain keys and operand keys) must have 1 to {@link LIMITS.maxNameLength} code
 *   points; they are never truncated;
 * - `$add` operands must be finite numbers or numeric strings, kept as sent (not truncated either:
 *   cutting a long numeric string would change the number);
 * - other values are any JSON value, normalized by {@link normalizeValue}; their depth counts from
 *   the property value, not from `group_properties` or the operation.
 */
export function validateGroupProperties(
  groupProperties: Record<string, unknown>,
  report: ReportProblem,
): JsonObject {
  const normalized: JsonObject = {};
  for (const key of Object.keys(groupProperties)) {
    const value = groupProperties[key];
    const field = `group_properties.${key}`;
    if (!isOperatorKey(key)) {
      const property = validateProperty(field, key, value, report, false);
      if (property !== undefined) setOwn(normalized, key, property);
    } else if (!isOperation(key)) {
      report(field, 'unknown operation');
    } else if (key === '$clearAll') {
      setOwn(normalized, key, CLEAR_ALL_OPERAND);
    } else if (!isPlainObject(value)) {
      report(field, 'must be an object of property names to values');
    } else {
      setOwn(normalized, key, validateOperand(key, value, report));
    }
  }
  return normalized;
}

function validateOperand(
  op: Operation,
  operand: Record<string, unknown>,
  report: ReportProblem,
): JsonObject {
  const normalized: JsonObject = {};
  for (const name of Object.keys(operand)) {
    const value = validateProperty(
      `group_properties.${op}.${name}`,
      name,
      operand[name],
      report,
      op === '$add',
    );
    if (value !== undefined) setOwn(normalized, name, value);
  }
  return normalized;
}

/** Checks one property name and its value; both may be reported. */
function validateProperty(
  field: string,
  name: string,
  value: unknown,
  report: ReportProblem,
  isAddOperand: boolean,
): JsonValue | undefined {
  if (name === '') report(field, 'property name must not be empty');
  else if (codePointLength(name) > LIMITS.maxNameLength) {
    report(field, `property name longer than ${LIMITS.maxNameLength} characters`);
  } else {
    const problem = textProblem(name);
    if (problem !== undefined) report(field, `property name ${problem}`);
  }
  if (isAddOperand) {
    if (toFiniteNumber(value) !== undefined) return value as number | string;
    report(field, 'must be a number or a numeric string');
    return undefined;
  }
  const normalized = normalizeValue(value);
  if (normalized.ok) return normalized.value;
  report(field, normalized.reason);
  return undefined;
}
