import { acceptedTime, type Identification } from '@groupidentify/ops';
import type { QueuedIdentification } from './job-payload.js';

/** What the queue needs of an identification's project. */
export interface QueuingProject {
  id: string;
  /** `event_time` when the worker places the project's identifications by event time. */
  ordering: 'received' | 'event_time';
}

/**
 * An accepted identification as queued (by ingest, and by `groups import`): its project, receipt
 * time and event time (docs/semantics.md#event-time), and the project's ordering when the worker
 * is to place it by event time.
 */
export function queuedIdentification(
  project: QueuingProject,
  { time: sent, ...identification }: Identification,
  receivedAt: number,
): QueuedIdentification {
  const item: QueuedIdentification = {
    project: project.id,
    ...identification,
    received_at: receivedAt,
  };
  const { time, replaced } = acceptedTime(sent, receivedAt);
  if (time !== undefined) item.time = time;
  if (replaced !== undefined) item.time_replaced = replaced;
  if (project.ordering === 'event_time') item.ordering = 'event_time';
  return item;
}
