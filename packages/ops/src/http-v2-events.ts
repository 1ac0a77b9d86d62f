import type { Identification, ValidationProblem } from './identification.js';
import { isJsonObject, type JsonValue } from './json.js';
import { validateIdentification } from './validate-identifications.js';

/** The only event type this service takes on Amplitude's HTTP V2 API (docs/api.md). */
export const GROUP_IDENTIFY_EVENT = '$groupidentify';

/** Amplitude HTTP V2 limit: events per request. */
export const MAX_EVENTS = 2000;

/** The outcome of reading an HTTP V2 `events` array. */
export type EventsReading =
  | { ok: true; identifications: Identification[] }
  | { ok: false; invalidFields: Record<string, number[]> };

/**
 * Turns `$groupidentify` events into identifications (docs/api.md): one per
 * (group_type, group_value) pair of `groups`, in order — an array of names fans out in its
 * order; the event's `insert_id` goes with each. Any other event type, or an event whose
 * identifications are invalid, is reported by index under the event field at fault
 * (Amplitude's `events_with_invalid_fields`), and nothing is returned.
 */
export function identificationsFromEvents(events: readonly unknown[]): EventsReading {
  const invalid = new Map<string, Set<number>>();
  const flag = (field: string, index: number) => {
    let set = invalid.get(field);
    if (set === undefined) invalid.set(field, (set = new Set()));
    set.add(index);
  };
  const identifications: Identification[] = [];
  for (let index = 0; index < events.length; index++) {
    const event = events[index];
    if (!isJsonObject(event)) {
      flag('event', index);
      continue;
    }
    if (event['event_type'] !== GROUP_IDENTIFY_EVENT) flag('event_type', index);
    const pairs = groupPairs(event['groups']);
    if (pairs === undefined) {
      flag('groups', index);
      continue;
    }
    const problems: ValidationProblem[] = [];
    for (const [groupType, groupValue] of pairs) {
      const raw = {
        group_type: groupType,
        group_value: groupValue,
        group_properties: event['group_properties'] ?? {},
        insert_id: event['insert_id'],
        time: event['time'],
      };
      const identification = validateIdentification(raw, index, problems);
      if (identification !== undefined) identifications.push(identification);
    }
    for (const p of problems) flag(eventField(p.field), index);
  }
  if (invalid.size === 0) return { ok: true, identifications };
  return {
    ok: false,
    invalidFields: Object.fromEntries([...invalid].map(([f, s]) => [f, [...s]])),
  };
}

/** `{type: value | [values]}` → ordered pairs; undefined when the shape is wrong or empty. */
function groupPairs(groups: JsonValue | undefined): [string, JsonValue][] | undefined {
  if (!isJsonObject(groups)) return undefined;
  const pairs: [string, JsonValue][] = [];
  for (const type of Object.keys(groups)) {
    const value = groups[type] as JsonValue;
    for (const v of Array.isArray(value) ? value : [value]) pairs.push([type, v]);
  }
  return pairs.length === 0 ? undefined : pairs;
}

/** A problem's field, named as the event field at fault. */
function eventField(field: string): string {
  if (field === 'group_type' || field === 'group_value') return 'groups';
  if (field.startsWith('group_properties')) return 'group_properties';
  return field;
}
