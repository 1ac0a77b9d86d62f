import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { uniqueName, withDatabase } from '@groupidentify/local-services';
import { groupId, setOwn, type GroupKey, type JsonObject } from '@groupidentify/ops';
import { canonicalObject } from '@groupidentify/ops/testing';
import { collectionsOf, type Collections } from './collections.js';
import {
  historyRecord,
  historyStore,
  MAX_HISTORY_RECORD_BYTES,
  type HistoryStore,
} from './history.js';
import { encodeProperties, encodeValue } from './stored-form.js';

// History records as the store writes them (one JSON text per record) and as it wrote them
// before (nested fields, names encoded): both read back the same. Compared as canonical JSON:
// vitest's strict equality takes an own `constructor` property for the object's class.
let client: MongoClient;
let raw: Collections;
let history: HistoryStore;

beforeAll(async () => {
  client = await MongoClient.connect(withDatabase(inject('mongoUrl'), uniqueName('history')));
  raw = collectionsOf(client.db());
  history = historyStore(raw);
});

afterAll(async () => {
  await client.db().dropDatabase();
  await client.close();
});

const key = (value: string): GroupKey => ({ project: 'p', group_type: 'org', group_value: value });

/** A group document, so that the group exists for `page`. */
async function plantGroup(k: GroupKey): Promise<void> {
  const now = new Date();
  await raw.groups.insertOne({
    _id: groupId(k),
    ...k,
    properties: encodeProperties({}),
    version: 1,
    created_at: now,
    updated_at: now,
  });
}

const odd = (): JsonObject => {
  const names: JsonObject = {};
  for (const name of ['a.b', '$x', '__proto__', ' ', 'constructor', 'é'])
    setOwn(names, name, { [name]: [name, [1]] });
  return names;
};

describe('history records', () => {
  it('keep names and values exactly as sent, whatever they are', async () => {
    const k = key('odd');
    await plantGroup(k);
    const values = odd();
    const changes: Record<string, { to: JsonObject }> = {};
    for (const name of Object.keys(values))
      setOwn(changes, name, { to: values[name] as JsonObject });
    await history.write([
      historyRecord(
        {
          seq: { epoch: 'e', job: 1, index: 0 },
          groupId: groupId(k),
          project: k.project,
          receivedAt: 1000,
          groupProperties: { $set: values },
          applied: {
            position: 0,
            kind: 'create',
            version: 1,
            visibleVersion: 1,
            changes,
            skipped: [],
            liveDelta: 1,
          },
        },
        new Date(2000),
      ),
    ]);
    const page = await history.page(k, undefined, 10);
    expect(page?.items).toHaveLength(1);
    const [item] = page?.items ?? [];
    expect(same(item?.group_properties, { $set: values })).toBe(true);
    expect(same(item?.changes, changes)).toBe(true);
    expect(Object.getPrototypeOf(item?.changes)).toBe(Object.prototype); // no pollution
    expect(Object.keys(item?.changes ?? {}).sort()).toStrictEqual(Object.keys(values).sort());
  });

  it('leave the largest values out when a record would be too large, and say so', () => {
    const big = 'x'.repeat(MAX_HISTORY_RECORD_BYTES / 2 + 10);
    const doc = historyRecord(
      {
        seq: { epoch: 'e', job: 1, index: 0 },
        groupId: 'g',
        project: 'p',
        receivedAt: 1,
        groupProperties: {},
        applied: {
          position: 0,
          kind: 'update',
          version: 2,
          visibleVersion: 2,
          changes: { p: { from: big, to: `${big}y` }, q: { from: 1, to: 2 } },
          skipped: [],
          liveDelta: 0,
        },
      },
      new Date(),
    );
    const body = JSON.parse(doc.record) as { changes: Record<string, JsonObject> };
    expect(body.changes['p']).toStrictEqual({ from: big, omitted: ['to'] });
    expect(body.changes['q']).toStrictEqual({ from: 1, to: 2 });
  });

  it('written in the earlier format (nested, names encoded) read back the same', async () => {
    const k = key('legacy');
    await plantGroup(k);
    const values = odd();
    const storedChanges: JsonObject = {};
    for (const name of Object.keys(values))
      setOwn(storedChanges, encodeValueName(name), {
        from: 1,
        to: encodeValue(values[name] ?? null),
      });
    await raw.history.insertOne({
      _id: 'legacy:1:0',
      group: groupId(k),
      project: k.project,
      version: 1,
      received_at: new Date(1000),
      applied_at: new Date(2000),
      group_properties: encodeValue({ $set: values }),
      changes: storedChanges,
      skipped: [{ op: '$add', property: 'n', reason: 'not a number' }],
    } as never);
    const [item] = (await history.page(k, undefined, 10))?.items ?? [];
    expect(same(item?.group_properties, { $set: values })).toBe(true);
    expect(Object.keys(item?.changes ?? {}).sort()).toStrictEqual(Object.keys(values).sort());
    for (const name of Object.keys(values))
      expect(same(item?.changes[name], { from: 1, to: values[name] }), name).toBe(true);
    expect(item?.skipped).toStrictEqual([{ op: '$add', property: 'n', reason: 'not a number' }]);
    const rewound = [];
    for await (const h of history.newestFirst(groupId(k), 0)) rewound.push(h.changes);
    expect(same(rewound, [item?.changes])).toBe(true);
  });
});

/** The stored name of a property (the encoding of a one-key object's key). */
function encodeValueName(name: string): string {
  const encoded = encodeProperties({ [name]: 1 });
  return Object.keys(encoded)[0] ?? '';
}

function same(a: unknown, b: unknown): boolean {
  return canonicalObject({ v: a }) === canonicalObject({ v: b });
}
