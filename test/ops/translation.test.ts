import fc from 'fast-check';
import { MongoClient, type Collection } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  decodeProperties,
  groupId,
  planGroupWrite,
  type FoldItem,
  type GroupDocument,
  type GroupKey,
  type GroupWritePlan,
  type JsonObject,
} from '@groupidentify/ops';
import { groupProperties } from '../../packages/ops/test/arbitraries.js';
import { canonicalObject } from '../../packages/ops/test/reference-model.js';
import { mongoUrl, uniqueName } from '../helpers/services.js';

// DESIGN §4: the translated classic-operator update, applied by the real MongoDB-wire server to
// the stored document, must yield exactly the state the pure fold computed.
let client: MongoClient;
let groups: Collection<GroupDocument>;
const dbName = uniqueName('ops_translation');

beforeAll(async () => {
  client = await MongoClient.connect(mongoUrl());
  groups = client.db(dbName).collection<GroupDocument>('groups');
});

afterAll(async () => {
  await client.db(dbName).dropDatabase();
  await client.close();
});

async function applyBatch(
  key: GroupKey,
  batch: FoldItem[],
  expectedVersion: number,
): Promise<void> {
  const stored = await groups.findOne({ _id: groupId(key) });
  const plan = planGroupWrite(stored, key, batch, new Date());
  expect(plan.version).toBe(expectedVersion);
  if (plan.write === undefined) return;
  await write(plan);
  const after = await groups.findOne({ _id: groupId(key) });
  expect(after?.version).toBe(plan.version);
  expect(canonicalObject(decodeProperties(after?.properties ?? {}))).toBe(
    canonicalObject(plan.properties),
  );
}

describe('MongoDB translation on the real server', () => {
  let run = 0;
  it(
    'applying the planned update yields the folded state (500 random sequences)',
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
            await groups.deleteOne({ _id: groupId(key) }); // FerretDB's SQLite backend slows as a collection grows
          },
        ),
        { numRuns: 500 },
      );
    },
  );

  it('a stale version guard fails with a duplicate-key error instead of writing', async () => {
    const key: GroupKey = { project: 'p', group_type: 't', group_value: 'stale' };
    const first = planGroupWrite(null, key, [item(1, { $add: { n: 1 } })], new Date());
    await write(first);
    const stored = await groups.findOne({ _id: groupId(key) });
    const winner = planGroupWrite(stored, key, [item(2, { $add: { n: 10 } })], new Date());
    const loser = planGroupWrite(stored, key, [item(3, { $add: { n: 100 } })], new Date());
    await write(winner);
    await expect(write(loser)).rejects.toMatchObject({
      code: 11000,
    });
    expect((await groups.findOne({ _id: groupId(key) }))?.properties).toStrictEqual({ n: 11 });
  });

  it('a racing creation fails with a duplicate-key error', async () => {
    const key: GroupKey = { project: 'p', group_type: 't', group_value: 'race' };
    const a = planGroupWrite(null, key, [item(1, { $set: { who: 'a' } })], new Date());
    const b = planGroupWrite(null, key, [item(1, { $set: { who: 'b' } })], new Date());
    await write(a);
    await expect(write(b)).rejects.toMatchObject({ code: 11000 });
  });
});

/** Applies a plan's write as the worker will: one guarded upsert. */
async function write(plan: GroupWritePlan): Promise<void> {
  if (plan.write === undefined) throw new Error('expected a write');
  if (plan.write.kind === 'insert') await groups.insertOne(plan.write.document);
  else await groups.updateOne(plan.write.filter, plan.write.update, { upsert: true });
}

function item(job: number, gp: JsonObject): FoldItem {
  return { seq: { epoch: 'e', job, index: 0 }, group_properties: gp };
}
