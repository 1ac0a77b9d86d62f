import {
  Timeline,
  latestIndexed,
  type EventKey,
  type FoldStep,
  type IndexedEvent,
  type Placed,
  type TimelineEntry,
} from './event-time.js';
import type { GroupDocument } from './group-document.js';
import type { JsonObject, Properties } from './json.js';

/** Where a group's event-time order stands after a batch: what its document is to say. */
export interface EventOrderEnd {
  /** The latest identification placed by time, when the batch ends inside an event-time order. */
  lastKey: EventKey | undefined;
  /** The version where the order began after an identification placed by arrival. */
  foldFrom: number | undefined;
  /** Its `event_index`, when the batch ends inside an event-time order. */
  index: { entries: IndexedEvent[]; trimmed: boolean } | undefined;
}

/** An identification of the batch placed by time: its place, and its step once all are placed. */
export interface PlacedItem {
  key: EventKey;
  step: FoldStep;
}

/**
 * A group's event-time order while one batch is planned (docs/semantics.md#event-time): the
 * order open now (its {@link Timeline}, its `event_index`), where it began, and the records of
 * earlier batches whose steps changed. An erasure or an identification placed by arrival ends it;
 * the next identification placed by time begins a new one.
 */
export class EventOrder {
  private timeline: Timeline | undefined;
  /** The timeline open at the end of the batch (its latest key goes in the document). */
  private last: Timeline | undefined;
  /** What the stored order's late identifications are placed before; only for the first order. */
  private tail: readonly TimelineEntry[] | undefined;
  private open: boolean;
  private index: IndexedEvent[] | undefined;
  private indexDropped: boolean;
  private foldFrom: number | undefined;
  /** The batch's items of the open order, told their final steps when it ends. */
  private readonly placed: PlacedItem[] = [];
  readonly refolded: { recordId: string; step: FoldStep }[] = [];

  constructor(stored: GroupDocument | null, tail: readonly TimelineEntry[]) {
    this.open = stored !== null && stored.erased !== true && stored.event_key !== undefined;
    this.index = this.open ? [...(stored?.event_index ?? [])] : undefined;
    this.indexDropped = this.open && stored?.event_index_trimmed === true;
    this.foldFrom = stored?.fold_from;
    this.tail = tail;
  }

  /** An erasure: the order ends, and its records go with the life it erases. */
  erase(): void {
    this.close(true);
    this.open = false;
  }

  /** An identification placed by arrival, at `version`: the order ends before it. */
  byArrival(version: number): void {
    this.close(false);
    if (this.open) this.foldFrom = version;
    this.open = false;
  }

  /**
   * Places an identification of the group, whose properties are `properties` now, at `version`:
   * its net difference, and its place (whose step is final once the order ends).
   */
  place(
    properties: Properties,
    event: { time: number; tie: string; record?: string | undefined },
    version: number,
    groupProperties: JsonObject,
  ): { placed: Placed; item: PlacedItem } {
    if (!this.open) {
      this.open = true;
      this.index = [];
      this.indexDropped = false;
    }
    this.timeline ??= Timeline.of(properties, this.tail ?? []);
    this.tail = undefined;
    const key = { time: event.time, tie: event.tie, version };
    this.index?.push({ ...key, record: event.record ?? '' });
    const item: PlacedItem = { key, step: { changes: {}, skipped: [] } };
    this.placed.push(item);
    return { placed: this.timeline.add(key, groupProperties), item };
  }

  /** The batch is planned: every placed item learns its step; what the document is to say. */
  end(): EventOrderEnd {
    this.last = this.timeline;
    this.close(false);
    const latest =
      this.last === undefined || this.index === undefined ? undefined : latestIndexed(this.index);
    return {
      lastKey: this.last?.lastKey,
      foldFrom: this.foldFrom,
      index:
        latest === undefined
          ? undefined
          : { entries: latest.entries, trimmed: this.indexDropped || latest.dropped },
    };
  }

  private close(erased: boolean): void {
    const timeline = this.timeline;
    this.tail = undefined;
    if (timeline === undefined) return;
    for (const item of this.placed.splice(0)) item.step = timeline.stepOf(item.key);
    if (!erased) this.refolded.push(...timeline.changedRecords());
    this.timeline = undefined;
  }
}
