// The shapes of the destinations API (`/api/destinations`, docs/webhooks.md) as the page reads
// them.

export type DestinationStatus = 'active' | 'paused' | 'failing';

/** An item of `GET /api/destinations`. */
export interface DestinationSummary {
  id: string;
  url: string;
  /** Only changes of groups of this type are sent; null for every type. */
  group_type: string | null;
  description: string | null;
  status: DestinationStatus;
  created_at: string;
  /** Since when delivery has been failing; null when it is not. */
  failing_since: string | null;
}

/** The answer to `POST /api/destinations`: the only one that shows the signing secret. */
export interface CreatedDestination extends DestinationSummary {
  /** `whsec_…`: the Standard Webhooks secret receivers verify signatures with. */
  secret: string;
}

/** How far delivery has come in one partition of the change feed. */
export interface PartitionDelivery {
  partition: number;
  /** Every change up to this feed position is delivered (or was not for this destination). */
  position: number;
  delivered: number;
  /** Failed attempts at the next change; 0 when it has not failed. */
  attempts: number;
  failing_since: string | null;
  retry_at: string | null;
  last_error: string | null;
}

/** One attempt to deliver a change. */
export interface DeliveryAttempt {
  at: string;
  webhook_id: string;
  group_type: string;
  version: number;
  /** The HTTP status, when the receiver answered. */
  status?: number;
  /** What went wrong, when it did. */
  error?: string;
  duration_ms: number;
}

/** `GET /api/destinations/{id}` (and the answer to `PATCH`). */
export interface DestinationDetail extends DestinationSummary {
  delivered: number;
  /** Changes of the feed not yet delivered or passed over. */
  pending: number;
  last_error: string | null;
  partitions: PartitionDelivery[];
  /** The latest attempts, newest first. */
  recent: DeliveryAttempt[];
}

/** What `POST /api/destinations` takes. */
export interface NewDestination {
  url: string;
  group_type?: string;
  description?: string;
}
