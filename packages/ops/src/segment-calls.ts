import { getOwn, isJsonObject, setOwn, type JsonObject, type JsonValue } from './json.js';
import { renameField, withTime, type PlatformCalls } from './platform-calls.js';

/** A Segment request body, read: its calls and the write key it may carry. */
export type SegmentRequest =
  | { ok: true; writeKey: string | undefined; calls: readonly unknown[] }
  | { ok: false; reason: string };

/** The trait that names a group call's group_type (docs/sdks.md). */
export const SEGMENT_GROUP_TYPE_TRAIT = 'group_type';

/**
 * Reads a Segment HTTP API body: `{batch: [...], writeKey?}` on `/v1/batch`, or one call on a
 * single-call endpoint such as `/v1/group` (`batch` false). The write key in the body is used
 * only when the request has no Basic auth.
 */
export function readSegmentRequest(body: unknown, batch: boolean): SegmentRequest {
  if (!isJsonObject(body)) return { ok: false, reason: 'the body must be a JSON object' };
  const key = getOwn(body, 'writeKey');
  const writeKey = typeof key === 'string' && key !== '' ? key : undefined;
  if (!batch) return { ok: true, writeKey, calls: [body] };
  const calls = getOwn(body, 'batch');
  if (!Array.isArray(calls)) return { ok: false, reason: 'batch must be an array of calls' };
  return { ok: true, writeKey, calls };
}

/** How to read calls: the group_type to use when traits name none; `type` set by the endpoint. */
export interface SegmentCallOptions {
  defaultGroupType: string;
  /** The type every call has (a single-call endpoint names it in its path). */
  type?: string;
}

/**
 * Reads Segment calls as identifications: a `group` call's `groupId` → group_value, `traits` →
 * `$set` (`{}` when absent), `messageId` (stable across the SDK's retries) → insert_id,
 * `timestamp` (ISO-8601) → the event time (docs/semantics.md#event-time), and
 * `traits.group_type` → group_type when present — then it is not set as a property, since it
 * names the group rather than describing it — else `defaultGroupType`. Calls of any other type
 * (`track`, `identify`, …) are counted in `ignored`; a call that is not an object or has no type
 * is a problem.
 */
export function identificationsFromSegmentCalls(
  calls: readonly unknown[],
  options: SegmentCallOptions,
): PlatformCalls {
  const read: PlatformCalls = { identifications: [], callIndexes: [], ignored: 0, problems: [] };
  if (calls.length === 0) {
    read.problems.push({ index: 0, field: 'batch', reason: 'holds no call' });
    return read;
  }
  for (let index = 0; index < calls.length; index++) {
    const call = calls[index];
    if (!isJsonObject(call)) {
      read.problems.push({ index, field: 'call', reason: 'must be an object' });
      continue;
    }
    const type = options.type ?? getOwn(call, 'type');
    if (typeof type !== 'string' || type === '') {
      read.problems.push({ index, field: 'type', reason: 'is required' });
      continue;
    }
    if (type !== 'group') {
      read.ignored++;
      continue;
    }
    const traits = getOwn(call, 'traits') ?? {};
    const named = isJsonObject(traits) ? getOwn(traits, SEGMENT_GROUP_TYPE_TRAIT) : undefined;
    read.identifications.push({
      group_type: named ?? options.defaultGroupType,
      group_value: getOwn(call, 'groupId'),
      group_properties: { $set: isJsonObject(traits) ? withoutGroupType(traits) : traits },
      insert_id: getOwn(call, 'messageId'),
      ...withTime(getOwn(call, 'timestamp')),
    });
    read.callIndexes.push(index);
  }
  return read;
}

function withoutGroupType(traits: JsonObject): JsonObject {
  const rest: JsonObject = {};
  for (const key of Object.keys(traits)) {
    if (key !== SEGMENT_GROUP_TYPE_TRAIT) setOwn(rest, key, traits[key] as JsonValue);
  }
  return rest;
}

const FIELDS = [
  ['group_type', `traits.${SEGMENT_GROUP_TYPE_TRAIT}`],
  ['group_value', 'groupId'],
  ['group_properties.$set', 'traits'],
  ['insert_id', 'messageId'],
  ['time', 'timestamp'],
] as const;

/** An identification field in Segment's terms: `group_properties.$set.a` → `traits.a`. */
export function segmentField(field: string): string {
  return renameField(field, FIELDS);
}
