import {
  applyIdentification,
  diffProperties,
  type PropertyChange,
  type SkippedOperation,
} from './apply-identification.js';
import { deepEqual } from './deep-equal.js';
import { isJsonObject, setOwn, type JsonObject, type JsonValue, type Properties } from './json.js';
import { rewind } from './rewind.js';

/**
 * Where an identification sits in its group's event-time order (docs/semantics.md#event-time):
 * by event time, then by `tie` (a digest of the identification's content, so that the order of
 * two identifications with one time does not depend on which arrived first), then by `version`
 * (only identical identifications can get this far, and their order changes nothing).
 */
export interface EventKey {
  /** Event time, ms since the epoch. */
  time: number;
  tie: string;
  version: number;
}

/** Negative when `a` comes first in event-time order. */
export function compareEventKeys(a: EventKey, b: EventKey): number {
  if (a.time !== b.time) return a.time - b.time;
  if (a.tie !== b.tie) return a.tie < b.tie ? -1 : 1;
  return a.version - b.version;
}

/** JSON with object keys sorted at every depth: equal values give equal text. */
export function canonicalJson(value: JsonValue): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (!isJsonObject(value)) return JSON.stringify(value);
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k] as JsonValue)}`).join(',')}}`;
}

/** What one identification does at its place in event-time order. */
export interface FoldStep {
  changes: Record<string, PropertyChange>;
  skipped: SkippedOperation[];
}

/** An identification already applied to the group, with what it does at its place now. */
export interface TimelineEntry {
  key: EventKey;
  group_properties: JsonObject;
  step: FoldStep;
  /** Its history record, for one that was applied before this batch. */
  recordId?: string;
}

/** What adding one identification did. */
export interface Placed {
  /** The net difference it made to the group's properties: what the change feed shows. */
  changes: Record<string, PropertyChange>;
  properties: Properties;
}

/**
 * The end of a group's event-time order, from some point on, held in memory: the properties
 * before its first entry (`start`), its entries in event-time order, and the properties after
 * them. Adding an identification places it by its key and folds again from there, so the cost of
 * a late one is the number of entries after it.
 */
export class Timeline {
  private readonly entries: TimelineEntry[];
  private readonly original = new Map<string, FoldStep>();
  private current: Properties;

  private constructor(
    private readonly start: Properties,
    entries: TimelineEntry[],
    current: Properties,
  ) {
    this.entries = entries;
    this.current = current;
    for (const e of entries) if (e.recordId !== undefined) this.original.set(e.recordId, e.step);
  }

  /**
   * The timeline of `properties` (the group's state) whose tail is `tail`: the identifications
   * applied after a point, each with its current step. Their steps are undone, latest first, to
   * find the properties at that point.
   */
  static of(properties: Properties, tail: readonly TimelineEntry[]): Timeline {
    // Copies: folding again changes their steps, and the caller may plan again from the same tail.
    const entries = tail.map((e) => ({ ...e })).sort((a, b) => compareEventKeys(a.key, b.key));
    let start = properties;
    for (let i = entries.length - 1; i >= 0; i--)
      start = rewind(start, (entries[i] as TimelineEntry).step.changes);
    return new Timeline(start, entries, properties);
  }

  get properties(): Properties {
    return this.current;
  }

  /** The key of the latest identification, if any. */
  get lastKey(): EventKey | undefined {
    return this.entries[this.entries.length - 1]?.key;
  }

  /** Places one identification by its key and folds again from there. */
  add(key: EventKey, groupProperties: JsonObject): Placed {
    const before = this.current;
    const at = this.entries.findIndex((e) => compareEventKeys(key, e.key) < 0);
    const entry: TimelineEntry = { key, group_properties: groupProperties, step: noStep };
    if (at === -1) {
      const result = applyIdentification(before, groupProperties);
      entry.step = { changes: result.changes, skipped: result.skipped };
      this.entries.push(entry);
      this.current = result.properties;
      return { changes: result.changes, properties: result.properties };
    }
    this.entries.splice(at, 0, entry);
    let properties = this.start;
    for (let i = 0; i < at; i++)
      properties = replay(properties, (this.entries[i] as TimelineEntry).step);
    for (let i = at; i < this.entries.length; i++) {
      const e = this.entries[i] as TimelineEntry;
      const result = applyIdentification(properties, e.group_properties);
      e.step = { changes: result.changes, skipped: result.skipped };
      properties = result.properties;
    }
    this.current = properties;
    const keys = new Set([...Object.keys(before), ...Object.keys(properties)]);
    return { changes: diffProperties(before, properties, keys), properties };
  }

  /** The step of the entry with `key` now. */
  stepOf(key: EventKey): FoldStep {
    const entry = this.entries.find((e) => compareEventKeys(e.key, key) === 0);
    if (entry === undefined) throw new Error('internal: no timeline entry with that key');
    return entry.step;
  }

  /** Entries applied before this batch whose step is not what their record says any more. */
  changedRecords(): { recordId: string; step: FoldStep }[] {
    const changed: { recordId: string; step: FoldStep }[] = [];
    for (const e of this.entries) {
      if (e.recordId === undefined) continue;
      const was = this.original.get(e.recordId);
      if (was === undefined || !sameStep(was, e.step))
        changed.push({ recordId: e.recordId, step: e.step });
    }
    return changed;
  }
}

const noStep: FoldStep = { changes: {}, skipped: [] };

/** The properties after a recorded step: its `to` values set, the rest removed. */
function replay(properties: Properties, step: FoldStep): Properties {
  const next: Properties = {};
  for (const key of Object.keys(properties)) setOwn(next, key, properties[key] as JsonValue);
  for (const [name, change] of Object.entries(step.changes)) {
    if (change.to === undefined) Reflect.deleteProperty(next, name);
    else setOwn(next, name, change.to);
  }
  return next;
}

function sameStep(a: FoldStep, b: FoldStep): boolean {
  return deepEqual(a as unknown as JsonValue, b as unknown as JsonValue);
}

/** How far after its receipt an event time may be: beyond, the receipt time is taken. */
export const MAX_TIME_AHEAD_MS = 60 * 60 * 1000;

/**
 * The event time an identification is given when accepted at `receivedAt` with the time it was
 * sent with (`sent`): that time, unless it is more than {@link MAX_TIME_AHEAD_MS} ahead — a
 * wrong clock — when it is the receipt time and `replaced` keeps what was sent. Without a sent
 * time the event time is the receipt time (`time` undefined: it is `received_at`).
 */
export function acceptedTime(
  sent: number | undefined,
  receivedAt: number,
): { time?: number; replaced?: number } {
  if (sent === undefined) return {};
  if (sent > receivedAt + MAX_TIME_AHEAD_MS) return { time: receivedAt, replaced: sent };
  return { time: sent };
}

/**
 * One identification of a group's event-time order as its document lists it: its place and its
 * history record's `_id`. The list lets the worker read what comes after a late one by `_id`,
 * which every MongoDB-wire server serves from its index. (An object, not a tuple: FerretDB
 * refuses arrays inside arrays.)
 */
export interface IndexedEvent extends EventKey {
  record: string;
}

/** How many of its latest identifications (by event time) a group's document lists. */
export const EVENT_INDEX_SIZE = 100;

/**
 * `entries` in event-time order, only the latest {@link EVENT_INDEX_SIZE} kept; `dropped` when
 * some were left out.
 */
export function latestIndexed(entries: readonly IndexedEvent[]): {
  entries: IndexedEvent[];
  dropped: boolean;
} {
  const sorted = [...entries].sort(compareEventKeys);
  const dropped = sorted.length > EVENT_INDEX_SIZE;
  return { entries: dropped ? sorted.slice(-EVENT_INDEX_SIZE) : sorted, dropped };
}
