import { isJsonObject, type JsonObject } from '@groupidentify/ops';
import { z } from 'zod';

/** One accepted identification, as queued. */
export interface QueuedIdentification {
  kind?: undefined;
  project: string;
  group_type: string;
  group_value: string;
  group_properties: JsonObject;
  insert_id?: string;
  /** When ingest accepted the request (ms since epoch). */
  received_at: number;
  /** Where it came from when not from a client's request: `import` (`groups import`). */
  source?: 'import';
  /**
   * Its event time (ms since epoch, docs/semantics.md#event-time): the time the client sent, or
   * `received_at` when none was sent or the one sent was more than an hour ahead.
   */
  time?: number;
  /** The time the client sent, when it was more than an hour after receipt (`time` is receipt). */
  time_replaced?: number;
  /** Set when the project places identifications by event time: the worker then does. */
  ordering?: 'event_time';
}

/**
 * An accepted erasure of a group (docs/api.md#deleting-a-group), queued in the group's partition
 * like an identification, so that it applies in order with them.
 */
export interface QueuedDeletion {
  kind: 'delete';
  project: string;
  group_type: string;
  group_value: string;
  received_at: number;
}

/** Anything a partition queue holds for one group. */
export type QueuedItem = QueuedIdentification | QueuedDeletion;

/** A job: the ordered items of one partition flush, from one or more requests. */
export interface JobPayload {
  v: 1;
  items: QueuedItem[];
}

// group_properties is checked, not copied: zod would rebuild the object, and user keys such as
// `__proto__` must stay exactly as they are.
const jsonObject = z.custom<JsonObject>(isJsonObject, { message: 'must be a JSON object' });

const groupFields = {
  project: z.string().min(1),
  group_type: z.string().min(1),
  group_value: z.string().min(1),
  received_at: z.number().int().nonnegative(),
};

const identificationSchema = z.object({
  ...groupFields,
  group_properties: jsonObject,
  insert_id: z.string().min(1).optional(),
  source: z.literal('import').optional(),
  time: z.number().int().nonnegative().optional(),
  time_replaced: z.number().int().optional(),
  ordering: z.literal('event_time').optional(),
});

const deletionSchema = z.object({ ...groupFields, kind: z.literal('delete') });

const itemSchema = z.union([deletionSchema, identificationSchema]);

const payloadSchema = z.object({ v: z.literal(1), items: z.array(itemSchema).min(1) });

/** Validates a dequeued job's data; whoever dequeues must not trust Redis contents blindly. */
export function parseJobPayload(
  data: unknown,
): { ok: true; payload: JobPayload } | { ok: false; reason: string } {
  const result = payloadSchema.safeParse(data);
  if (result.success) return { ok: true, payload: result.data as JobPayload };
  return { ok: false, reason: z.prettifyError(result.error) };
}

/** True for an erasure. */
export function isDeletion(item: QueuedItem): item is QueuedDeletion {
  return item.kind === 'delete';
}
