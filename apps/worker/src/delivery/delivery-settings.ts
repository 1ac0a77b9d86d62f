import type { RetrySchedule } from '@groupidentify/webhooks';

/** How delivery behaves (docs/operations.md#configuration: the `DELIVERY_*` settings). */
export interface DeliverySettings {
  /** POSTs at once per (destination, partition), each of a different group. */
  concurrency: number;
  /** The whole answer must come within this (ms). */
  timeoutMs: number;
  retry: RetrySchedule;
  /** A change failing for this long marks its destination `failing` (ms). */
  failingAfterMs: number;
  /** Destinations may point at loopback, link-local and private addresses. */
  allowPrivate: boolean;
  /** A (destination, partition) lease lasts this long unless renewed (ms). */
  leaseMs: number;
  /** How often the destinations are listed and the leases renewed (ms). */
  scanMs: number;
}
