import type { JsonObject } from './json.js';

/**
 * One validated, normalized identification: one change to one group (docs/api.md).
 * `group_value` is always a string (numbers are stored as their decimal string); strings inside
 * property values are already truncated to {@link LIMITS.maxStringLength}.
 */
export interface Identification {
  group_type: string;
  group_value: string;
  /** Plain keys and/or operation keys (`$set`, `$add`, …), as sent (after truncation). */
  group_properties: JsonObject;
  insert_id?: string;
  /** Its event time as sent (ms since the epoch; docs/semantics.md#event-time). */
  time?: number;
}

/** One problem found in a request, reported to the client (docs/api.md `invalid` list). */
export interface ValidationProblem {
  /** Index of the identification in the request (0 when a single object was sent). */
  index: number;
  /** Dotted path of the offending field, e.g. `group_type`, `group_properties.$add`. */
  field: string;
  reason: string;
}
