import fc from 'fast-check';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  groupId,
  planGroupWrite,
  type FoldItem,
  type GroupDocument,
  type GroupKey,
  type GroupWritePlan,
  type JsonObject,
} from '@groupidentify/ops';
import { uniqueName, withDatabase } from '@groupidentify/local-services';
import { canonicalObject, groupProperties } from '@groupidentify/ops/testing';
import { collectionsOf, type Collections } from './collections.js';
import { groupStore, type GroupStore } from './groups.js';
import { historyStore } from './history.js';
import { decodeProperties, storedForm } from './stored-form.js';

// The translated classic-operator update, in the store's form, applied by the real MongoDB-wire
// server to the stored document, must yield exactly the state the pure fold computed.
let client: MongoClient;
let raw: Collections;
let groups: GroupStore;

beforeAll(async () => {
  client = await MongoClient.connect(withDatabase(inject('mongoUrl'), uniqueName('translation')));
  raw = collectionsOf(client.db());
  groups = groupStore(raw, historyStore(raw));
});

afterAll(async () => {
  await client.db().dropDatabase();
  await client.close();
});

const plan = (stored: GroupDocument | null, key: GroupKey, items: FoldItem[]): GroupWritePlan =>
  planGroupWrite(stored, key, items, new Date(), storedForm);

const stored = async (key: GroupKey) =>
  (await groups.load([groupId(key)])).get(groupId(key)) ?? null;

/** Writes a plan as the worker does; resolves to the store's refusal, if any. */
async function write(p: GroupWritePlan): Promise<unknown> {
  if (p.write === undefined) throw new Error('expected a write');
  return (await groups.write([p.write])).get(0);
}

async function applyBatch(key: GroupKey, batch: FoldItem[], expectedVersion: number) {
  const p = plan(await stored(key), key, batch);
  expect(p.version).toBe(expectedVersion);
  if (p.write === undefined) return;
  expect(await write(p)).toBeUndefined();
  const after = await stored(key);
  expect(after?.version).toBe(p.version);
  expect(canonicalObject(decodeProperties(after?.properties ?? {}))).toBe(
    canonicalObject(p.properties),
  );
}

describe('the MongoDB update translation on the real server', () => {
  let run = 0;
  it(
    'applying the planned write yields the folded state (500 random sequences)',
    { timeout: 300_000 },
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.array(groupProperties, { minLength: 1, maxLength: 4 }), {
            minLength: 1,
            maxLength: 4,
          }),
          async (batches) => {
            const key: GroupKey = { project: 'p', group_type: 't', group_value: `g${run++}` };
            let job = 0;
            let version = 0;
            for (const batch of batches) {
              job += 1;
              const items = batch.map((gp, index) => ({
                seq: { epoch: 'e', job, index },
                group_properties: gp,
              }));
              version += items.length;
              await applyBatch(key, items, version);
            }
          },
        ),
        { numRuns: 500 },
      );
    },
  );

  it('a stale version guard is refused with a duplicate-key error instead of writing', async () => {
    const key: GroupKey = { project: 'p', group_type: 't', group_value: 'stale' };
    expect(await write(plan(null, key, [item(1, { $add: { n: 1 } })]))).toBeUndefined();
    const before = await stored(key);
    const winner = plan(before, key, [item(2, { $add: { n: 10 } })]);
    const loser = plan(before, key, [item(3, { $add: { n: 100 } })]);
    expect(await write(winner)).toBeUndefined();
    expect(await write(loser)).toMatchObject({ code: 11000 });
    expect((await stored(key))?.properties).toStrictEqual({ n: 11 });
  });

  it('a racing creation is refused with a duplicate-key error', async () => {
    const key: GroupKey = { project: 'p', group_type: 't', group_value: 'race' };
    expect(await write(plan(null, key, [item(1, { $set: { who: 'a' } })]))).toBeUndefined();
    expect(await write(plan(null, key, [item(1, { $set: { who: 'b' } })]))).toMatchObject({
      code: 11000,
    });
    expect((await stored(key))?.properties).toStrictEqual({ who: 'a' });
  });

  // scripts/ferretdb/0006-identical-documents-have-the-same-field-names.patch: FerretDB v1.24.2
  // took a document with the same values under other names for the same one, and kept the old.
  it('an object property set to other names with the same values takes the new names', async () => {
    const key: GroupKey = { project: 'p', group_type: 't', group_value: 'renamed' };
    let version = 0;
    for (const json of [
      '{"k":7}',
      '{"j":7}',
      '{"a":1,"b":2}',
      '{"b":1,"a":2}',
      '{"__proto__":2}',
    ]) {
      const properties = { n: JSON.parse(json) as JsonObject };
      await applyBatch(key, [item(++version, properties)], version);
    }
    expect(
      Object.keys(decodeProperties((await stored(key))?.properties ?? {})['n'] as object),
    ).toEqual(['__proto__']);
  });
});

function item(job: number, gp: JsonObject): FoldItem {
  return { seq: { epoch: 'e', job, index: 0 }, group_properties: gp };
}
