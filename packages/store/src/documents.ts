import type { AppliedKind, AppliedSequence, GroupDocument, JsonObject } from '@groupidentify/ops';

export type { GroupDocument };

/** A tenant (docs/operations.md). The secret key is stored only as a hash. */
export interface ProjectDocument {
  _id: string;
  name: string;
  api_key: string;
  secret_key_hash?: string;
  created_at?: Date;
  /**
   * Its groups are counted per type as they are written (docs/storage.md#group-counts); absent in
   * projects created before counts existed, whose groups are counted by a scan.
   */
  maintained_counts?: true;
  /**
   * Identifications per second ingest accepts for this project (`project update --rate-limit`);
   * absent: ingest's `RATE_LIMIT_PER_S` (docs/guarantees.md#rate-limit-per-project).
   */
  rate_limit_per_s?: number;
  /**
   * Whether its public api_key may erase groups (Mixpanel `$delete`); absent: refused
   * (docs/guarantees.md#erasure-needs-the-secret-key).
   */
  allow_public_erase?: boolean;
  /**
   * The key of the hashes that erasures leave in place of group values (docs/api.md#change-feed),
   * made on the project's first erasure.
   */
  erasure_key?: string;
  /**
   * `event_time` when its groups order identifications by event time (`project create|update
   * --ordering`, docs/semantics.md#event-time); absent: by arrival.
   */
  ordering?: 'event_time';
}

/**
 * One applied item (history, `as_of`, the change feed). `_id` is the item's change feed position,
 * the same for every delivery of its job, so a redelivered job writes nothing twice. What it did is one JSON text (`record`): names and values exactly as
 * sent, with no name encoding, and about half the cost of nested fields to insert on FerretDB.
 */
export interface HistoryDocument {
  /** The change feed position (`["f", project, partition, position]`); before it, `epoch:job:index`. */
  _id: string;
  group: string;
  project: string;
  /** The group's stored version after this item: orders a group's history. */
  version: number;
  /** What the item did (absent in records written before erasure existed: create or update). */
  kind?: AppliedKind;
  /** The version the API showed after it (for an erasure: of the life it ended). */
  visible_version?: number;
  received_at: Date;
  applied_at: Date;
  insert_id?: string;
  /** `import` for a line of `groups import`; absent for a client's identification. */
  source?: 'import';
  /** The identification's event time (absent in records written before event time existed). */
  time?: Date;
  /** The time the client sent when it was more than an hour after receipt (`time` is then receipt). */
  time_replaced?: Date;
  /**
   * For an identification placed in event-time order: its tie-break (docs/semantics.md#event-time).
   * Its `changes` are then the net difference its arrival made; what it does at its place in the
   * order is `fold`, or the same as `changes` while `fold` has no entry.
   */
  tie?: string;
  /**
   * What the identification does at its place in event-time order, from a group version on:
   * `{"<version>": JSON of {changes, skipped}}`. The entry in effect at group version V is the
   * one with the highest version ≤ V (docs/storage.md#event-time).
   */
  fold?: Record<string, string>;
  /**
   * +1 when the item created the group, -1 when it erased a life that existed before its batch;
   * absent otherwise (and in records written before counts were kept). The change feed's commits
   * add these up into the per-type group counts (docs/storage.md#group-counts).
   */
  live_delta?: -1 | 1;
  /** JSON of {@link HistoryRecordBody}. */
  record: string;
  /**
   * An erasure's record: the keyed hash of the group's value (`group` then holds only the project
   * and type, docs/storage.md#erasure). Absent in erasure records written before hashes existed.
   */
  group_hash?: string;
}

/** What an applied identification did, as `HistoryDocument.record` holds it. */
export interface HistoryRecordBody {
  /** As sent; absent for an erasure. */
  group_properties?: JsonObject;
  /** `{name: {from?, to?, omitted?}}`: `omitted` lists sides too large to keep. */
  changes: JsonObject;
  skipped: { op: string; property: string; reason: string }[];
}

/**
 * A history record as written before `record` existed: the same fields, nested, with names and
 * keys encoded. Still read, never written.
 */
export interface LegacyHistoryFields {
  group_properties?: JsonObject;
  changes?: JsonObject;
  skipped?: { op: string; property: string; reason: string }[];
}

/** An identification that could not be applied, with why (docs/guarantees.md poison). */
export interface DeadLetterDocument {
  _id: string;
  partition: number;
  seq: AppliedSequence;
  reason: string;
  failed_at: Date;
  /** The queued item (group_properties encoded), or the raw job data when it was unreadable. */
  item: JsonObject;
  replayed_at?: Date;
}

/**
 * Claims an `insert_id` for one item (docs/guarantees.md client retries): the first item to claim it is
 * applied, any other item with the same id within the retention is skipped. `seq` tells a
 * redelivery of the claiming item (applied) from a client's retry (skipped).
 */
export interface InsertIdClaim {
  _id: string;
  /** The group's `_id` (absent in claims written before erasure existed), so erasure finds them. */
  group?: string;
  seq: AppliedSequence;
  created_at: Date;
}

/** A property index created for `where` (docs/api.md#finding-groups-by-property). */
export interface PropertyIndexDocument {
  /** `[project, group_type, property]` as JSON. */
  _id: string;
  /** The server's index on `groups` that serves it (one per property name). */
  index: string;
  project: string;
  group_type: string;
  /** The property name, as sent. */
  property: string;
  created_at: Date;
}

/**
 * The change feed's head in one partition for one project (docs/guarantees.md#change-feed):
 * positions up to `next` are reserved, those up to `committed` are final.
 */
export interface FeedHeadDocument {
  /** `[project, partition]` as JSON. */
  _id: string;
  project: string;
  partition: number;
  next: number;
  committed: number;
  /** Reservations not wholly committed yet: a redelivered job finds its positions here. */
  pending: FeedReservation[];
  /**
   * Live groups of the project in this partition, per group type (name encoded as property names
   * are), as of `committed`: each commit adds its records' `live_delta`s
   * (docs/storage.md#group-counts). Absent in heads written before counts existed.
   */
  counts?: Record<string, number>;
  /**
   * False when two workers raced on the partition and `counts` may be off: the partition's
   * consumer counts its groups again (a scan) at its next commit. Absent means exact.
   */
  counts_exact?: boolean;
}

/** The positions `first` … `first + count - 1` of one job's items of the head's project. */
export interface FeedReservation {
  /** `epoch:job`. */
  job: string;
  first: number;
  count: number;
}

/**
 * One run of `groups import` (docs/import.md#resuming): what `--resume` continues. Lines up to
 * `queued_through` are durably queued; the ones after it may be, and carry the same `insert_id`
 * when sent again.
 */
export interface ImportRunDocument {
  /** The run's id, in each line's `insert_id` (`import:<id>:<line>`). */
  _id: string;
  project: string;
  /** SHA-256 (hex) of the file's bytes: a resume must read the very same file. */
  file_sha256: string;
  format: 'ndjson' | 'csv';
  /** Lines in the file (the last line's number). */
  lines: number;
  queued_through: number;
  started_at: Date;
  updated_at: Date;
  /** Set once every line is queued. */
  finished_at?: Date;
}

/** `active` delivers; `paused` by an operator; `failing` after days of failed attempts. */
export type DestinationStatus = 'active' | 'paused' | 'failing';

/** A webhook destination (docs/webhooks.md). */
export interface DestinationDocument {
  /** `dst_` and 16 hex digits. */
  _id: string;
  project: string;
  url: string;
  /** Only changes of groups of this type. */
  group_type?: string;
  description?: string;
  /** `whsec_` and base64 of 24 random bytes: the Standard Webhooks signing secret. */
  secret: string;
  status: DestinationStatus;
  created_at: Date;
  /** Set with status `failing`: when delivery gave up retrying. */
  failing_since?: Date;
  /** Each partition's committed feed position at creation: delivery starts after it. */
  start: number[];
}

/** One attempt to deliver a change (the console shows the latest ones). */
export interface DeliveryAttempt {
  at: Date;
  /** The change's `webhook-id`. */
  webhook_id: string;
  group_type: string;
  version: number;
  /** The HTTP status, when there was an answer. */
  status?: number;
  /** What went wrong, short: `HTTP 503: <start of the body>`, `no answer within 10000 ms`, … */
  error?: string;
  duration_ms: number;
}

/** How far one destination's delivery has come in one partition of the change feed. */
export interface DeliveryStateDocument {
  /** JSON `[destination, partition]`. */
  _id: string;
  destination: string;
  partition: number;
  /** Every change up to this feed position is delivered (or was not for this destination). */
  position: number;
  /** Changes delivered (2xx) in this partition. */
  delivered: number;
  /** Failed attempts at the change after `position`; 0 when it has not failed. */
  attempts: number;
  /** When the change after `position` first failed; absent when it has not. */
  failing_since?: Date;
  /** When it is tried again. */
  retry_at?: Date;
  last_error?: string;
  recent: DeliveryAttempt[];
}
