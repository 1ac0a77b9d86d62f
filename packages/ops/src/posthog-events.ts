import { getOwn, isJsonObject, setOwn, type JsonObject, type JsonValue } from './json.js';
import {
  oneToken,
  renameField,
  withTime,
  type PlatformCalls,
  type TokenReading,
} from './platform-calls.js';

/** The PostHog event that creates or updates a group. */
export const POSTHOG_GROUP_IDENTIFY = '$groupidentify';

/** A PostHog capture request body, read: its events and the project key they carry. */
export type PostHogRequest =
  { ok: true; token: TokenReading; events: readonly unknown[] } | { ok: false; reason: string };

/**
 * Reads any body that PostHog's capture endpoints take (docs/sdks.md): `{api_key, batch: [...]}`
 * (the server SDKs' `/batch/`), `{api_key, data: [...]}`, an array of events, or one event. The
 * key is the request's `api_key` (or `token`); without one, every event's `api_key`, `token`,
 * `$token` or `properties.token`, which must then all be the same.
 */
export function readPostHogRequest(body: unknown): PostHogRequest {
  if (Array.isArray(body)) return { ok: true, token: eventsToken(body), events: body };
  if (!isJsonObject(body)) return { ok: false, reason: 'the body must be a JSON object or array' };
  // An object with an `event` is one event, even if it has a property named `batch` or `data`.
  for (const key of Object.hasOwn(body, 'event') ? [] : ['batch', 'data']) {
    if (!Object.hasOwn(body, key)) continue;
    const events = body[key];
    if (!Array.isArray(events)) return { ok: false, reason: `${key} must be an array of events` };
    const token = keyOf(body);
    return { ok: true, token: token ?? eventsToken(events), events };
  }
  return { ok: true, token: eventsToken([body]), events: [body] };
}

/**
 * Reads capture events as identifications: a `$groupidentify` event's `properties.$group_type`
 * → group_type, `properties.$group_key` → group_value, `properties.$group_set` → `$set` (`{}`
 * when absent), `properties.$group_set_once` → `$setOnce` when present, and the event's `uuid`
 * (stable across the SDKs' retries) → insert_id. Any other named event is counted in `ignored`;
 * an event that is not an object or has no name is a problem, as on PostHog.
 */
export function identificationsFromPostHogEvents(events: readonly unknown[]): PlatformCalls {
  const calls: PlatformCalls = { identifications: [], callIndexes: [], ignored: 0, problems: [] };
  if (events.length === 0) {
    calls.problems.push({ index: 0, field: 'batch', reason: 'holds no event' });
    return calls;
  }
  for (let index = 0; index < events.length; index++) {
    const event = events[index];
    if (!isJsonObject(event)) {
      calls.problems.push({ index, field: 'event', reason: 'must be an object' });
      continue;
    }
    const name = getOwn(event, 'event');
    if (typeof name !== 'string' || name === '') {
      calls.problems.push({ index, field: 'event', reason: 'is required' });
      continue;
    }
    if (name !== POSTHOG_GROUP_IDENTIFY) {
      calls.ignored++;
      continue;
    }
    const properties = getOwn(event, 'properties') ?? {};
    if (!isJsonObject(properties)) {
      calls.problems.push({ index, field: 'properties', reason: 'must be an object' });
      continue;
    }
    calls.identifications.push({
      group_type: getOwn(properties, '$group_type'),
      group_value: getOwn(properties, '$group_key'),
      group_properties: groupProperties(properties),
      insert_id: getOwn(event, 'uuid'),
      ...withTime(getOwn(event, 'timestamp')),
    });
    calls.callIndexes.push(index);
  }
  return calls;
}

function groupProperties(properties: JsonObject): JsonObject {
  const operations: JsonObject = { $set: getOwn(properties, '$group_set') ?? {} };
  const setOnce = getOwn(properties, '$group_set_once');
  if (setOnce !== undefined && setOnce !== null) setOwn(operations, '$setOnce', setOnce);
  return operations;
}

/** A request-level key: a non-empty `api_key` or `token`. */
function keyOf(object: JsonObject): TokenReading | undefined {
  for (const key of ['api_key', 'token']) {
    const value = getOwn(object, key);
    if (typeof value === 'string' && value !== '') return { ok: true, token: value };
  }
  return undefined;
}

function eventsToken(events: readonly unknown[]): TokenReading {
  return oneToken(events.map(eventToken));
}

function eventToken(event: unknown): JsonValue | undefined {
  if (!isJsonObject(event)) return undefined;
  for (const key of ['api_key', 'token', '$token']) {
    const value = getOwn(event, key);
    if (value !== undefined && value !== null) return value;
  }
  const properties = getOwn(event, 'properties');
  return isJsonObject(properties) ? getOwn(properties, 'token') : undefined;
}

const FIELDS = [
  ['group_type', 'properties.$group_type'],
  ['group_value', 'properties.$group_key'],
  ['group_properties.$set', 'properties.$group_set'],
  ['group_properties.$setOnce', 'properties.$group_set_once'],
  ['insert_id', 'uuid'],
  ['time', 'timestamp'],
] as const;

/** An identification field in PostHog's terms: `group_properties.$set.a` → `properties.$group_set.a`. */
export function postHogField(field: string): string {
  return renameField(field, FIELDS);
}
