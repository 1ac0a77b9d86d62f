import { describe, expect, it } from 'vitest';
import {
  groupId,
  planGroupWrite,
  type AppliedSequence,
  type FoldItem,
  type GroupDocument,
  type GroupKey,
  type GroupWritePlan,
  type JsonObject,
  type MongoUpdate,
} from '@groupidentify/ops';
import { encodeProperties, storedForm } from './stored-form.js';

// The write a fold of queued items becomes, in the store's form (the translation is in
// packages/ops, the encoding and the int32 rule are the store's).
const planWrite = (
  stored: GroupDocument | null,
  group: GroupKey,
  items: readonly FoldItem[],
  at: Date,
) => planGroupWrite(stored, group, items, at, storedForm);

const key: GroupKey = { project: 'p1', group_type: 'org', group_value: 'acme' };
const now = new Date('2026-01-01T00:00:00Z');
const seq = (job: number, index = 0, epoch = 'e1'): AppliedSequence => ({ epoch, job, index });
const items = (...gps: JsonObject[]): FoldItem[] =>
  gps.map((gp, i) => ({ seq: seq(10, i), group_properties: gp }));

function stored(
  properties: JsonObject,
  version = 3,
  applied: AppliedSequence = seq(5),
): GroupDocument {
  return {
    _id: groupId(key),
    ...key,
    properties: encodeProperties(properties),
    version,
    applied,
    created_at: now,
    updated_at: now,
  };
}

/** The update of a plan that must be an update. */
function update(plan: GroupWritePlan): MongoUpdate {
  if (plan.write?.kind !== 'update') throw new Error(`expected an update, got ${plan.write?.kind}`);
  return plan.write.update;
}

describe('planGroupWrite in the store’s form', () => {
  it('creates a new group with one insert of the whole document', () => {
    const plan = planWrite(null, key, items({ $set: { 'a.b': 1 } }, { $add: { n: 2 } }), now);
    expect(plan.write).toStrictEqual({
      kind: 'insert',
      document: {
        _id: groupId(key),
        ...key,
        properties: { 'a%2Eb': 1, n: 2 },
        version: 2,
        applied: seq(10, 1),
        created_at: now,
        updated_at: now,
      },
    });
    expect(plan.applied.map((a) => a.version)).toStrictEqual([1, 2]);
  });

  it('creates a group even from {} (docs/semantics.md)', () => {
    const plan = planWrite(null, key, items({}), now);
    expect(plan.write).toMatchObject({ kind: 'insert', document: { properties: {}, version: 1 } });
  });

  it('updates an existing group with one operator per path', () => {
    const doc = stored({ n: 1, list: ['x'], gone: true, keep: 'k', s: 'a' });
    const plan = planWrite(
      doc,
      key,
      items(
        { $add: { n: 2 }, $append: { list: 'y' } },
        { $add: { n: 3 }, $unset: { gone: '-' }, $set: { s: 'b', $new: 1 } },
      ),
      now,
    );
    expect(plan.write).toMatchObject({ kind: 'update', filter: { _id: doc._id, version: 3 } });
    expect(update(plan)).toStrictEqual({
      $set: {
        'properties.s': 'b',
        'properties.%24new': 1,
        version: 5,
        applied: seq(10, 1),
        updated_at: now,
      },
      $inc: { 'properties.n': 5 },
      $push: { 'properties.list': { $each: ['y'] } },
      $unset: { 'properties.gone': '' },
      $setOnInsert: { ...key, created_at: now },
    });
  });

  it('uses $set, not $inc, for non-integer or converted numbers', () => {
    const plan = planWrite(
      stored({ f: 0.1, s: '2', keep: 1 }),
      key,
      items({ $add: { f: 0.2, s: 1 } }),
      now,
    );
    expect(update(plan).$set).toMatchObject({ 'properties.f': 0.1 + 0.2, 'properties.s': 3 });
    expect(update(plan).$inc).toBeUndefined();
  });

  it('uses $set, not $inc, when an int32 would overflow (FerretDB wraps it around)', () => {
    const plan = planWrite(
      stored({ n: 1, big: 2 ** 31, keep: 1 }),
      key,
      items({ $add: { n: 2 ** 31, big: 1 } }),
      now,
    );
    expect(update(plan).$set).toMatchObject({ 'properties.n': 2 ** 31 + 1 });
    expect(update(plan).$inc).toStrictEqual({ 'properties.big': 1 });
  });

  it('keeps per-path operators when every property changes (no rewrite of big arrays)', () => {
    const plan = planWrite(
      stored({ count: 1, trail: [0] }),
      key,
      items({ $add: { count: 1 }, $append: { trail: 1 } }),
      now,
    );
    expect(update(plan).$inc).toStrictEqual({ 'properties.count': 1 });
    expect(update(plan).$push).toStrictEqual({ 'properties.trail': { $each: [1] } });
    expect(update(plan).$set).not.toHaveProperty(['properties']);
  });

  it('uses $set for arrays that did not only grow at the end', () => {
    const plan = planWrite(stored({ l: [1, 2], keep: 1 }), key, items({ $prepend: { l: 0 } }), now);
    expect(update(plan).$set).toMatchObject({ 'properties.l': [0, 1, 2] });
    expect(update(plan).$push).toBeUndefined();
  });

  it('replaces the whole properties field after $clearAll', () => {
    const plan = planWrite(
      stored({ a: 1, b: 2 }),
      key,
      items({ $clearAll: '-', $set: { c: { 'x.y': 1 } } }),
      now,
    );
    expect(update(plan).$set).toMatchObject({ properties: { c: { 'x%2Ey': 1 } } });
    expect(update(plan).$unset).toBeUndefined();
  });

  it('skips items at or below the applied sequence (redelivery) and writes nothing if all were', () => {
    const doc = stored({ n: 1 }, 3, seq(10, 0));
    const plan = planWrite(doc, key, items({ $add: { n: 1 } }, { $add: { n: 10 } }), now);
    expect(plan.applied.map((a) => a.position)).toStrictEqual([1]);
    expect(plan.properties).toStrictEqual({ n: 11 });
    expect(
      planWrite(stored({ n: 1 }, 3, seq(10, 5)), key, items({ $add: { n: 1 } }), now).write,
    ).toBeUndefined();
  });

  it('never skips items of another epoch (a Redis wipe restarts job ids)', () => {
    const doc = stored({ n: 1 }, 3, seq(99, 0, 'old'));
    const plan = planWrite(
      doc,
      key,
      [{ seq: seq(1, 0, 'new'), group_properties: { $add: { n: 1 } } }],
      now,
    );
    expect(plan.properties).toStrictEqual({ n: 2 });
  });

  it('$setOnce on an existing group without the property sets it', () => {
    const plan = planWrite(stored({ a: 1 }), key, items({ $setOnce: { b: 2, a: 9 } }), now);
    expect(update(plan).$set).toMatchObject({ 'properties.b': 2 });
    expect(update(plan).$set).not.toHaveProperty(['properties.a']);
  });
});

describe('liveDelta: how each applied item changes the number of live groups', () => {
  const erase = (job: number): FoldItem => ({ seq: seq(job), erase: true });
  const set = (job: number): FoldItem => ({ seq: seq(job), group_properties: { a: job } });
  const erasedDoc = (): GroupDocument => ({ ...stored({}, 4), erased: true, base: 4 });
  // The records a batch keeps: none of a life it erased itself, but the erasures' own.
  const kept = (plan: GroupWritePlan) =>
    plan.applied.filter((a) => a.version >= (plan.eraseBelow ?? 0) || a.kind === 'delete');
  const cases: [string, GroupDocument | null, FoldItem[], number[], number][] = [
    ['a new group', null, [set(10), set(11)], [1, 0], 1],
    ['an update of a live group', stored({ a: 1 }), [set(10)], [0], 0],
    ['an erasure of a live group', stored({ a: 1 }), [erase(10)], [-1], -1],
    ['an erasure of a group never written', null, [erase(10)], [0], 0],
    ['an erasure of an erased group', erasedDoc(), [erase(10)], [0], 0],
    ['a group created again after its erasure', erasedDoc(), [set(10)], [1], 1],
    ['a group created and erased in one batch', null, [set(10), set(11), erase(12)], [1, 0, 0], 0],
    ['a live group erased and created again', stored({ a: 1 }), [erase(10), set(11)], [-1, 1], 0],
    [
      'a live group erased, created and erased again',
      stored({ a: 1 }),
      [erase(10), set(11), erase(12)],
      [-1, 1, 0],
      -1,
    ],
  ];
  it.each(cases)('%s', (_, doc, folded, deltas, net) => {
    const plan = planWrite(doc, key, folded, now);
    expect(plan.applied.map((a) => a.liveDelta)).toEqual(deltas);
    // What the records left after the batch add up to: live after minus live before.
    expect(kept(plan).reduce((sum, a) => sum + a.liveDelta, 0)).toBe(net);
  });
});
