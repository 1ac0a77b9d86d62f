import type { Identification, ValidationProblem } from './identification.js';
import { getOwn, isJsonObject, type JsonObject } from './json.js';
import { LIMITS } from './limits.js';
import { codePointLength, isPlainObject } from './normalize-value.js';
import { parseInstant } from './instant.js';
import { isOperatorKey } from './operations.js';
import { textProblem } from './storable-text.js';
import { validateGroupProperties, type ReportProblem } from './validate-group-properties.js';

/** The outcome of validating a whole `identification` parameter. */
export type BatchValidation =
  | { ok: true; identifications: Identification[]; propertyKeys: number }
  | { ok: false; status: 400; problems: ValidationProblem[] }
  | { ok: false; status: 413; reason: string };

/**
 * Validates a parsed `identification` parameter: one object or an array of objects (docs/api.md).
 *
 * - A plain object is a batch of one (index 0); an array, one identification per element (an
 *   element that is not a plain object is a problem of field `identification`). Anything else,
 *   including a non-plain object such as a `Date`, is refused as a whole; so is an empty array.
 * - Every identification is validated and every problem reported, ordered by index, then by field
 *   (`group_type`, `group_value`, `group_properties.*` in key order, `insert_id`). Any problem → 400.
 * - Only a batch without problems is checked against the 413 limits (checks run in the order of
 *   docs/api.md's error table): more than {@link LIMITS.maxIdentifications} identifications, then
 *   more than {@link LIMITS.maxPropertyKeys} property keys in total (see {@link countPropertyKeys}).
 *   All elements are validated even past the limit, so that an invalid one still answers 400;
 *   the 1 MB body limit bounds that work.
 */
export function validateIdentificationBatch(raw: unknown): BatchValidation {
  const items = batchItems(raw);
  if (typeof items === 'string') {
    return {
      ok: false,
      status: 400,
      problems: [{ index: 0, field: 'identification', reason: items }],
    };
  }
  const problems: ValidationProblem[] = [];
  const identifications: Identification[] = [];
  // Not forEach, which skips holes: a hole in a sparse array must be seen and refused.
  for (let index = 0; index < items.length; index++) {
    const identification = validateIdentification(items[index], index, problems);
    if (identification !== undefined) identifications.push(identification);
  }
  if (problems.length > 0) return { ok: false, status: 400, problems };
  if (identifications.length > LIMITS.maxIdentifications) {
    return tooLarge(`more than ${LIMITS.maxIdentifications} identifications in one request`);
  }
  let propertyKeys = 0;
  for (const identification of identifications)
    propertyKeys += countPropertyKeys(identification.group_properties);
  if (propertyKeys > LIMITS.maxPropertyKeys) {
    return tooLarge(`more than ${LIMITS.maxPropertyKeys} property keys in one request`);
  }
  return { ok: true, identifications, propertyKeys };
}

function tooLarge(reason: string): BatchValidation {
  return { ok: false, status: 413, reason };
}

/** The identifications to validate, or why `raw` cannot be a batch at all. */
function batchItems(raw: unknown): readonly unknown[] | string {
  if (Array.isArray(raw))
    return raw.length === 0 ? 'no identifications' : (raw as readonly unknown[]);
  if (isPlainObject(raw)) return [raw];
  return 'must be an object or an array of objects';
}

/**
 * Validates one identification (docs/api.md): pushes every problem found, with this `index`, onto
 * `problems` and returns the normalized identification, or `undefined` if it is invalid.
 * Used by `/groupidentify` and by `/2/httpapi`, which builds identification-like objects from
 * events and reports problems by event index.
 *
 * - `group_type`: required string of 1 to {@link LIMITS.maxNameLength} code points.
 * - `group_value`: required; such a string, or a finite number stored as `String(n)`.
 * - `group_properties`: required plain object, `{}` included; see `validateGroupProperties`.
 * - `insert_id`: optional (`null` counts as absent); a string of 1 to
 *   {@link LIMITS.maxInsertIdLength} code points.
 * - `time`: optional (`null` counts as absent); integer milliseconds since the epoch, or an
 *   ISO-8601 date-time (see {@link readEventTime}).
 * - Other keys are ignored and not copied. `null` counts as missing for required keys.
 *
 * The result is a fresh deep copy (built with `setOwn`); `raw` is never mutated.
 */
export function validateIdentification(
  raw: unknown,
  index: number,
  problems: ValidationProblem[],
): Identification | undefined {
  const report: ReportProblem = (field, reason) => {
    problems.push({ index, field, reason });
  };
  if (!isPlainObject(raw)) {
    report('identification', 'must be an object');
    return undefined;
  }
  const before = problems.length;
  const groupType = validateGroupType(getOwn(raw, 'group_type'), report);
  const groupValue = validateGroupValue(getOwn(raw, 'group_value'), report);
  const groupProperties = validateGroupPropertiesField(getOwn(raw, 'group_properties'), report);
  const insertId = validateInsertId(getOwn(raw, 'insert_id'), report);
  const time = validateTime(getOwn(raw, 'time'), report);
  if (
    problems.length > before ||
    groupType === undefined ||
    groupValue === undefined ||
    !groupProperties
  ) {
    return undefined;
  }
  const identification: Identification = {
    group_type: groupType,
    group_value: groupValue,
    group_properties: groupProperties,
  };
  if (insertId !== undefined) identification.insert_id = insertId;
  if (time !== undefined) identification.time = time;
  return identification;
}

/**
 * Validates the group a call names without properties (an erasure from another platform's API):
 * `group_type` and `group_value` as for {@link validateIdentification}.
 */
export function validateGroupKey(
  groupType: unknown,
  groupValue: unknown,
  index: number,
  problems: ValidationProblem[],
): { group_type: string; group_value: string } | undefined {
  const report: ReportProblem = (field, reason) => {
    problems.push({ index, field, reason });
  };
  const type = validateGroupType(groupType, report);
  const value = validateGroupValue(groupValue, report);
  return type === undefined || value === undefined
    ? undefined
    : { group_type: type, group_value: value };
}

const NAME_LENGTH_REASON = `must be 1 to ${LIMITS.maxNameLength} characters`;

function validateGroupType(value: unknown, report: ReportProblem): string | undefined {
  if (value === undefined || value === null) report('group_type', 'is required');
  else if (typeof value !== 'string') report('group_type', 'must be a string');
  else if (!isNameLength(value)) report('group_type', NAME_LENGTH_REASON);
  else return storable('group_type', value, report);
  return undefined;
}

function validateGroupValue(value: unknown, report: ReportProblem): string | undefined {
  if (value === undefined || value === null) report('group_value', 'is required');
  else if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  else if (typeof value !== 'string') report('group_value', 'must be a string or a finite number');
  else if (!isNameLength(value)) report('group_value', NAME_LENGTH_REASON);
  else return storable('group_value', value, report);
  return undefined;
}

/** `text`, or undefined having reported why it cannot be kept (storable-text.ts). */
function storable(field: string, text: string, report: ReportProblem): string | undefined {
  const problem = textProblem(text);
  if (problem === undefined) return text;
  report(field, problem);
  return undefined;
}

function validateGroupPropertiesField(
  value: unknown,
  report: ReportProblem,
): JsonObject | undefined {
  if (value === undefined || value === null) report('group_properties', 'is required');
  else if (!isPlainObject(value)) report('group_properties', 'must be an object');
  else return validateGroupProperties(value, report);
  return undefined;
}

function validateInsertId(value: unknown, report: ReportProblem): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (
    typeof value === 'string' &&
    value !== '' &&
    codePointLength(value) <= LIMITS.maxInsertIdLength
  ) {
    return storable('insert_id', value, report);
  }
  report('insert_id', `must be a string of 1 to ${LIMITS.maxInsertIdLength} characters`);
  return undefined;
}

/** The latest event time taken as sent: year 9999. */
const MAX_TIME_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/**
 * An event time as clients send it: integer milliseconds since the epoch (Amplitude's HTTP V2
 * `time`), or an ISO-8601 date-time text such as `2026-12-05T10:00:00Z` or `…+01:00` (Segment's
 * `timestamp`). Undefined when it is neither.
 */
export function readEventTime(value: unknown): number | undefined {
  if (typeof value === 'number')
    return Number.isSafeInteger(value) && value >= 0 && value <= MAX_TIME_MS ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const ms = parseInstant(value)?.getTime();
  return ms !== undefined && ms >= 0 && ms <= MAX_TIME_MS ? ms : undefined;
}

function validateTime(value: unknown, report: ReportProblem): number | undefined {
  if (value === undefined || value === null) return undefined;
  const time = readEventTime(value);
  if (time === undefined)
    report('time', 'must be milliseconds since the epoch or an ISO-8601 date-time');
  return time;
}

function isNameLength(text: string): boolean {
  return text !== '' && codePointLength(text) <= LIMITS.maxNameLength;
}

/**
 * Number of property keys an identification's `group_properties` contributes to the per-request
 * limit (docs/api.md): a plain key counts 1, an operation the number of keys of its operand,
 * `$clearAll` 0 (it names no property).
 */
export function countPropertyKeys(groupProperties: JsonObject): number {
  let count = 0;
  for (const key of Object.keys(groupProperties)) {
    if (!isOperatorKey(key)) count += 1;
    else if (key !== '$clearAll') {
      const operand = groupProperties[key];
      if (isJsonObject(operand)) count += Object.keys(operand).length;
    }
  }
  return count;
}
