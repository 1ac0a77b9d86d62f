import type { ValidationProblem } from './identification.js';
import { getOwn, isJsonObject, setOwn, type JsonObject, type JsonValue } from './json.js';
import {
  oneToken,
  renameField,
  withTime,
  type PlatformCalls,
  type TokenReading,
} from './platform-calls.js';

/** A Mixpanel `$delete` update: the group to erase, as sent (not validated). */
export interface MixpanelDeletion {
  /** Index of the update in the request. */
  index: number;
  group_type: unknown;
  group_value: unknown;
}

/** Mixpanel `/groups` updates read as identifications (docs/sdks.md). */
export interface MixpanelUpdates extends PlatformCalls {
  /** The `$token` every update carries (the project's api_key). */
  token: TokenReading;
  /** The `$delete` updates, which become no identification. */
  deletions: MixpanelDeletion[];
}

/** Mixpanel operation → this service's operation. `$unset` (an array of names) is rebuilt. */
const OPERATIONS: Readonly<Record<string, string>> = {
  $set: '$set',
  $set_once: '$setOnce',
  $add: '$add',
  $union: '$postInsert',
  $remove: '$remove',
  $unset: '$unset',
};

/**
 * Keys of an update that are not operations: its identity, and modifiers that only matter to
 * Mixpanel's own profile pipeline (time, geolocation, alias handling), ignored here.
 */
const NOT_OPERATIONS = new Set([
  '$token',
  '$group_key',
  '$group_id',
  '$ip',
  '$time',
  '$ignore_time',
  '$ignore_alias',
  '$latitude',
  '$longitude',
]);

/**
 * The `data` parameter of `/groups`: JSON, or JSON in base64 (what the SDKs send). A form body
 * that carried base64 without percent-encoding has had its `+` turned into spaces; base64 has no
 * spaces, so they are turned back. Both base64 alphabets (`+/` and `-_`) are read.
 */
export function decodeMixpanelData(
  text: string,
): { ok: true; value: unknown } | { ok: false; reason: string } {
  const trimmed = text.trim();
  let json = trimmed;
  if (!trimmed.startsWith('{') && !trimmed.startsWith('[')) {
    const base64 = trimmed.replaceAll(' ', '+');
    if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(base64))
      return { ok: false, reason: 'data is neither JSON nor base64-encoded JSON' };
    json = Buffer.from(base64, 'base64').toString('utf8');
  }
  try {
    return { ok: true, value: JSON.parse(json) as unknown };
  } catch {
    return { ok: false, reason: 'data is not valid JSON' };
  }
}

/**
 * Reads decoded `data` (one update object or an array of them) as identifications:
 * `$group_key` → group_type, `$group_id` → group_value, and the operations `$set`,
 * `$set_once` → `$setOnce`, `$add`, `$union` → `$postInsert`, `$remove`, `$unset` (an array of
 * names) → `$unset`; several in one update make one identification. `$delete` makes a
 * {@link MixpanelDeletion} instead, whatever else the update holds. `$time` is the event time
 * (see {@link mixpanelTime}). Other modifiers (`$ip`, `$ignore_time`, `$ignore_alias`,
 * `$latitude`, `$longitude`) and keys without `$` are ignored;
 * any other `$` key is an unknown operation. Mixpanel sends no id per update, so no insert_id.
 */
export function readMixpanelUpdates(data: unknown): MixpanelUpdates {
  const reading: MixpanelUpdates = {
    identifications: [],
    callIndexes: [],
    ignored: 0,
    problems: [],
    token: { ok: false, reason: 'missing' },
    deletions: [],
  };
  const updates: readonly unknown[] = Array.isArray(data) ? data : [data];
  if (updates.length === 0) {
    reading.problems.push({ index: 0, field: 'data', reason: 'holds no update' });
    return reading;
  }
  const tokens: unknown[] = [];
  for (let index = 0; index < updates.length; index++) {
    const update = updates[index];
    if (!isJsonObject(update)) {
      reading.problems.push({ index, field: 'update', reason: 'must be an object' });
      continue;
    }
    tokens.push(getOwn(update, '$token'));
    const groupType = getOwn(update, '$group_key');
    const groupValue = getOwn(update, '$group_id');
    if (Object.hasOwn(update, '$delete')) {
      reading.deletions.push({ index, group_type: groupType, group_value: groupValue });
      continue;
    }
    const groupProperties = operationsOf(update, index, reading.problems);
    if (groupProperties === undefined) continue;
    reading.identifications.push({
      group_type: groupType,
      group_value: groupValue,
      group_properties: groupProperties,
      ...withTime(mixpanelTime(getOwn(update, '$time'))),
    });
    reading.callIndexes.push(index);
  }
  reading.token = oneToken(tokens);
  return reading;
}

function operationsOf(
  update: JsonObject,
  index: number,
  problems: ValidationProblem[],
): JsonObject | undefined {
  const before = problems.length;
  const properties: JsonObject = {};
  for (const key of Object.keys(update)) {
    if (!key.startsWith('$') || NOT_OPERATIONS.has(key)) continue;
    const operation = getOwn(OPERATIONS, key);
    const operand = update[key] as JsonValue;
    if (operation === undefined) problems.push({ index, field: key, reason: 'unknown operation' });
    else if (key !== '$unset') setOwn(properties, operation, operand);
    else {
      const names = unsetOperand(operand);
      if (names === undefined)
        problems.push({ index, field: key, reason: 'must be an array of property names' });
      else setOwn(properties, operation, names);
    }
  }
  if (problems.length > before) return undefined;
  if (Object.keys(properties).length === 0) {
    problems.push({ index, field: 'update', reason: 'has no operation' });
    return undefined;
  }
  return properties;
}

/** `["a","b"]` → `{"a":"-","b":"-"}`, this service's `$unset` operand. */
function unsetOperand(operand: JsonValue): JsonObject | undefined {
  if (!Array.isArray(operand)) return undefined;
  const names: JsonObject = {};
  for (const name of operand) {
    if (typeof name !== 'string') return undefined;
    setOwn(names, name, '-');
  }
  return names;
}

const FIELDS = [
  ['group_type', '$group_key'],
  ['group_value', '$group_id'],
  ['group_properties.$setOnce', '$set_once'],
  ['group_properties.$postInsert', '$union'],
  ['group_properties', ''],
  ['time', '$time'],
] as const;

/**
 * Mixpanel's `$time` as an event time: its documentation says seconds since the epoch, and some
 * of its SDKs send milliseconds, so a number below 10^11 (year 5138 in seconds, 1973 in
 * milliseconds) is taken as seconds. Anything else is left for validation to read or refuse.
 */
export function mixpanelTime(value: JsonValue | undefined): JsonValue | undefined {
  return typeof value === 'number' && Math.abs(value) < 1e11 ? Math.round(value * 1000) : value;
}

/** An identification field in Mixpanel's terms: `group_properties.$setOnce.a` → `$set_once.a`. */
export function mixpanelField(field: string): string {
  return renameField(field, FIELDS);
}
