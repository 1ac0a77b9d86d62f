import type { Identification, ValidationProblem } from './identification.js';
import { getOwn, setOwn, type JsonObject, type JsonValue } from './json.js';
import { LIMITS } from './limits.js';
import { isPlainObject } from './normalize-value.js';
import { countPropertyKeys, validateIdentification } from './validate-identifications.js';

/** A line of an import as an identification (a `$set` of its properties), or why it is bad. */
export type ImportRow =
  { ok: true; identification: Identification } | { ok: false; reason: string };

/**
 * A line of our own export (docs/import.md): `{"group_type","group_value","properties",…}`, and
 * an optional `time`, the event time (ms since the epoch or ISO-8601); the other keys the export
 * writes (`version`, `created_at`, `updated_at`) are ignored.
 */
export function importRowFromJsonLine(text: string): ImportRow {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  if (!isPlainObject(parsed)) return { ok: false, reason: 'not a JSON object' };
  const properties = getOwn(parsed, 'properties');
  if (properties === undefined || properties === null)
    return { ok: false, reason: 'properties: is required' };
  if (!isPlainObject(properties)) return { ok: false, reason: 'properties: must be an object' };
  const time = getOwn(parsed, 'time');
  return setOf(getOwn(parsed, 'group_type'), getOwn(parsed, 'group_value'), properties, time);
}

/** The column names a CSV import needs first (docs/import.md). */
export const CSV_KEY_COLUMNS = ['group_type', 'group_value'] as const;

/** Why a CSV header cannot be imported, or undefined when it can. */
export function csvHeaderProblem(header: readonly string[]): string | undefined {
  if (header[0] !== CSV_KEY_COLUMNS[0] || header[1] !== CSV_KEY_COLUMNS[1])
    return `the header must start with ${CSV_KEY_COLUMNS.join(',')}`;
  const seen = new Set<string>();
  for (const name of header.slice(2)) {
    if (name === '') return 'a property column has no name';
    if (seen.has(name)) return `the property column ${JSON.stringify(name)} appears twice`;
    seen.add(name);
  }
  return undefined;
}

/**
 * A CSV record under a valid header: a cell that parses as JSON is that value, any other cell
 * the string it holds; an empty cell leaves its property out of the row.
 */
export function importRowFromCsv(header: readonly string[], cells: readonly string[]): ImportRow {
  if (cells.length !== header.length)
    return {
      ok: false,
      reason: `${cells.length} cells where the header has ${header.length}`,
    };
  const properties: JsonObject = {};
  for (let i = 2; i < header.length; i++) {
    const cell = cells[i] as string;
    // setOwn: a column named `__proto__` is a property like any other.
    if (cell !== '') setOwn(properties, header[i] as string, cellValue(cell));
  }
  return setOf(cells[0], cells[1], properties);
}

function cellValue(cell: string): JsonValue {
  try {
    return JSON.parse(cell) as JsonValue;
  } catch {
    return cell;
  }
}

/**
 * Validates the group and its properties as a `/groupidentify` identification `$set`ting them,
 * at event time `time` when the line has one.
 */
function setOf(
  groupType: unknown,
  groupValue: unknown,
  properties: object,
  time?: unknown,
): ImportRow {
  const problems: ValidationProblem[] = [];
  const identification = validateIdentification(
    {
      group_type: groupType,
      group_value: groupValue,
      group_properties: { $set: properties },
      time,
    },
    0,
    problems,
  );
  const [first] = problems;
  if (first !== undefined || identification === undefined)
    return { ok: false, reason: describe(first) };
  if (countPropertyKeys(identification.group_properties) > LIMITS.maxPropertyKeys)
    return { ok: false, reason: `more than ${LIMITS.maxPropertyKeys} properties` };
  return { ok: true, identification };
}

/** A problem in the names of the import's shape: `properties.<name>` rather than the `$set`. */
function describe(problem: ValidationProblem | undefined): string {
  if (problem === undefined) return 'invalid';
  const field = problem.field.replace(/^group_properties\.\$set(\.|$)/, 'properties$1');
  return `${field}: ${problem.reason}`;
}
