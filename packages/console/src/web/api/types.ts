// The shapes of the service's public API as the page reads them (apps/ingest/openapi/: the
// read API in openapi.json, the operator endpoints in parts/admin.json).

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = Record<string, Json>;

/** `GET /api/groups/{type}/{value}[?as_of=]`. */
export interface Group {
  group_type: string;
  group_value: string;
  properties: JsonObject;
  version: number;
  created_at: string;
  updated_at: string;
}

/** An item of `GET /api/groups`. */
export interface GroupSummary {
  group_type: string;
  group_value: string;
  version: number;
  updated_at: string;
}

/** One property's change in a history item: `from` absent when new, `to` absent when removed. */
export interface Change {
  from?: Json;
  to?: Json;
  /** Sides too large to keep in history (then absent too). */
  omitted?: ('from' | 'to')[];
}

export interface SkippedOperation {
  op: string;
  property: string;
  reason: string;
}

/** An item of `GET /api/groups/{type}/{value}/history`: one identification. */
export interface HistoryItem {
  version: number;
  received_at: string;
  applied_at: string;
  /** Its event time (absent in records written before it was kept). */
  time?: string;
  /** The time the client sent, when more than 1 h ahead (`time` is then the receipt time). */
  time_replaced?: string;
  insert_id?: string;
  group_properties: JsonObject;
  changes: Record<string, Change>;
  skipped: SkippedOperation[];
}

/**
 * A change of the project's change feed (`GET /api/changes`, and each `change` event of
 * `GET /api/changes/stream`; apps/ingest/openapi/parts/change-feed.json).
 */
export interface FeedChange {
  /** Where to resume for what follows this change (the stream's event `id`). */
  cursor: string;
  kind: 'create' | 'update' | 'delete';
  group_type: string;
  /** Absent in a deletion's entry, which carries `group_hash` instead. */
  group_value?: string;
  /** The keyed hash of the group's value (docs/api.md#changes): all a deletion carries of it. */
  group_hash?: string;
  /** The group's version after the change; for a deletion, the version it had. */
  version: number;
  accepted_at: string;
  applied_at: string;
  insert_id?: string;
  /** Each property that changed; empty for a deletion. */
  changes: Record<string, Change>;
}

/** A page of the change feed: `next_cursor` is where the next one starts, never null. */
export interface ChangePage {
  items: FeedChange[];
  next_cursor: string;
}

/** A cursor-paged list; `next_cursor` is null on the last page. */
export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

/** `GET /api/admin/partitions`. */
export interface PartitionsBacklog {
  refreshed_at: string | null;
  partitions: { partition: number; backlog_jobs: number; oldest_job_age_seconds: number }[];
}

/** An item of `GET /api/admin/dead-letters`. */
export interface DeadLetter {
  id: string;
  partition: number;
  failed_at: string;
  reason: string;
  group: { project: string; group_type: string; group_value: string } | null;
  replayable: boolean;
  replayed_at: string | null;
  item: Json;
}

/** What a replay did (`POST /api/admin/dead-letters[/{id}]/replay`). */
export interface ReplayResult {
  replayed: { id: string; partition: number; job: string | null }[];
  skipped: { id: string; reason: string }[];
}

/**
 * `GET /api/project`: the signed-in project. `ordering` says which instant `as_of` and the order
 * of identifications go by: `received` (acceptance) or `event_time` (docs/semantics.md#event-time).
 */
export interface ProjectInfo {
  id: string;
  name: string;
  ordering: 'received' | 'event_time';
}
