import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  canonicalJson,
  compareEventKeys,
  type EventKey,
  type TimelineEntry,
} from '../src/event-time.js';
import type { GroupDocument } from '../src/group-document.js';
import type { JsonObject, JsonValue } from '../src/json.js';
import { planGroupWrite, type GroupWritePlan } from '../src/plan-group-write.js';
import type { StoredForm } from '../src/stored-form.js';
import { groupProperties } from './arbitraries.js';
import { canonicalMap, canonicalObject, modelApply } from './reference-model.js';

// A group of an `event_time` project: whatever order its identifications arrive in, and however
// they are cut into batches, its properties are the fold of all of them in event-time order.

interface Sent {
  time: number;
  group_properties: JsonObject;
}

const tieOf = (s: Sent) => canonicalJson(s.group_properties);

/** The reference: every identification folded by the model, sorted by (time, tie). */
function foldInTimeOrder(sent: readonly Sent[]): string {
  const sorted = [...sent].sort(
    (a, b) => a.time - b.time || (tieOf(a) < tieOf(b) ? -1 : tieOf(a) > tieOf(b) ? 1 : 0),
  );
  const model = new Map<string, JsonValue>();
  for (const s of sorted) modelApply(model, s.group_properties);
  return canonicalMap(model);
}

/** Stores properties as they are: the store's encoding plays no part here. */
const asIs: StoredForm = {
  name: (name) => name,
  value: (value) => value,
  element: (value) => value,
  properties: (properties) => properties,
  decodeProperties: (stored) => stored,
  exactIncrement: () => true,
};

/** True when `key` comes after every identification with (time, tie) of `earliest`. */
const isAfter = (key: EventKey, earliest: EventKey) =>
  key.time > earliest.time || (key.time === earliest.time && key.tie > earliest.tie);

/** The group as the worker keeps it: its document and its applied identifications' steps. */
class Group {
  doc: GroupDocument | null = null;
  readonly records = new Map<string, TimelineEntry>();
  private job = 0;

  /** Applies one batch the way the worker does: the tail is what comes after its earliest item. */
  apply(batch: readonly Sent[]): GroupWritePlan {
    this.job += 1;
    const items = batch.map((s, index) => ({
      seq: { epoch: 'e', job: this.job, index },
      group_properties: s.group_properties,
      event: { time: s.time, tie: tieOf(s) },
    }));
    const earliest = items
      .map((i) => ({ ...i.event, version: 0 }))
      .sort(compareEventKeys)[0] as EventKey;
    const late =
      this.doc?.event_key !== undefined && compareEventKeys(earliest, this.doc.event_key) < 0;
    const tail = late ? [...this.records.values()].filter((r) => isAfter(r.key, earliest)) : [];
    const plan = planGroupWrite(this.doc, groupKey, items, new Date(0), asIs, tail);
    // Pure: the worker plans again from the same tail (a guard miss, the size limit).
    const again = planGroupWrite(this.doc, groupKey, items, new Date(0), asIs, tail);
    expect(JSON.stringify(again)).toBe(JSON.stringify(plan));
    for (const r of plan.refolded) {
      const record = this.records.get(r.recordId);
      if (record === undefined) throw new Error('refolded an unknown record');
      record.step = r.step;
    }
    for (const a of plan.applied) {
      const item = items[a.position] as (typeof items)[number];
      if (a.event === undefined) throw new Error('an event-time item without its place');
      const recordId = String(a.version);
      const { group_properties } = item;
      this.records.set(recordId, {
        key: a.event.key,
        group_properties,
        step: a.event.step,
        recordId,
      });
    }
    const write = plan.write;
    if (write === undefined) throw new Error('a batch of new items wrote nothing');
    const eventKey =
      write.kind === 'insert'
        ? write.document.event_key
        : (write.update.$set['event_key'] as EventKey);
    const stored = write.kind === 'insert' ? write.document : this.doc;
    if (stored === null) throw new Error('an update of a group never written');
    this.doc = {
      ...stored,
      properties: plan.properties,
      version: plan.version,
      applied: (items[items.length - 1] as (typeof items)[number]).seq,
      ...(eventKey === undefined ? {} : { event_key: eventKey }),
    };
    return plan;
  }
}

const groupKey = { project: 'p', group_type: 'org', group_value: 'g' };

const sentList = fc.array(
  fc.record({ time: fc.integer({ min: 0, max: 20 }), group_properties: groupProperties }),
  { minLength: 1, maxLength: 10 },
);

/** The identifications in a random arrival order, cut into random batches. */
const arrivals = sentList.chain((sent) =>
  fc.tuple(
    fc.constant(sent),
    fc.shuffledSubarray(sent, { minLength: sent.length, maxLength: sent.length }),
    fc.array(fc.integer({ min: 1, max: 4 }), { minLength: sent.length, maxLength: sent.length }),
  ),
);

function inBatches<T>(list: readonly T[], sizes: readonly number[]): T[][] {
  const batches: T[][] = [];
  for (let i = 0, b = 0; i < list.length; b++) {
    const size = sizes[b] ?? 1;
    batches.push(list.slice(i, i + size));
    i += size;
  }
  return batches;
}

describe('event-time order', () => {
  it('gives the fold in time order, whatever the arrival order and batches', () => {
    fc.assert(
      fc.property(arrivals, ([sent, arrived, sizes]) => {
        const group = new Group();
        for (const batch of inBatches(arrived, sizes)) group.apply(batch);
        const doc = group.doc as GroupDocument;
        expect(canonicalObject(doc.properties)).toBe(foldInTimeOrder(sent));
        expect(doc.version).toBe(sent.length);
      }),
      { numRuns: 500 },
    );
  });

  it('tells each arrival the net difference it made', () => {
    fc.assert(
      fc.property(arrivals, ([, arrived]) => {
        const group = new Group();
        let before = new Map<string, JsonValue>();
        for (const s of arrived) {
          const [applied] = group.apply([s]).applied;
          for (const [name, change] of Object.entries(applied?.changes ?? {})) {
            if (change.to === undefined) before.delete(name);
            else before.set(name, change.to);
          }
          expect(canonicalMap(before)).toBe(
            canonicalObject((group.doc as GroupDocument).properties),
          );
          before = new Map(Object.entries((group.doc as GroupDocument).properties));
        }
      }),
      { numRuns: 300 },
    );
  });
});
