import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { MongoClient, type Collection, type Document } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMongo, type MongoServer } from './mongo-server.js';

// A `where` of the read API is a filter on `properties.<name>`. FerretDB v1.24.2 tested such
// conditions in Go on every decoded document; scripts/ferretdb/0004-push-down-property-conditions.patch
// has PostgreSQL evaluate them, widened so that nothing MongoDB would match is lost (an array
// value, or an array `properties`, is always let through and filtered in Go afterwards). These
// tests compare every result with FerretDB's own full evaluation (a top-level `$and` is never
// pushed down) and read the SQL plans. scripts/ferretdb/0005-match-documents-inside-arrays.patch
// makes equality with a document match it inside an array, as MongoDB does.
const dir = mkdtempSync(join(tmpdir(), 'groupidentify-where-'));

let mongo: MongoServer;
let client: MongoClient;
interface Planted extends Document {
  _id: string;
}

let docs: Collection<Planted>;

beforeAll(async () => {
  const env = { ...process.env, PATH: '' }; // FerretDB even where mongod is installed
  mongo = await startMongo({ dir, ferretdbBackend: 'postgresql', env });
  client = await MongoClient.connect(mongo.url, { serverSelectionTimeoutMS: 10_000 });
  docs = client.db('where_pushdown').collection<Planted>('groups');
});

afterAll(async () => {
  await client.close();
  await mongo.stop();
});

const plan = async (filter: Document): Promise<string> => {
  const explained = await docs.find(filter).explain('queryPlanner');
  return JSON.stringify(explained['queryPlanner']);
};

const idsOf = async (filter: Document): Promise<string[]> =>
  (await docs.find(filter).project<{ _id: string }>({ _id: 1 }).toArray()).map((d) => d._id).sort();

// Values of every kind a property holds, with near misses: numbers either side of the bounds,
// int and double, strings that order differently by bytes and by a locale, arrays of them.
const scalar = fc.oneof(
  fc.constantFrom(0, 1, 2, 2.5, -1, 100, 1e15),
  fc.constantFrom('', 'a', 'B', 'b', 'ä', 'z', '10', '9'),
  fc.boolean(),
  fc.constant(null),
);
const value = fc.oneof(
  { weight: 4, arbitrary: scalar },
  { weight: 1, arbitrary: fc.array(scalar, { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.record({ x: scalar }) },
);
const properties = fc.oneof(
  { weight: 6, arbitrary: fc.dictionary(fc.constantFrom('n', 'm'), value, { maxKeys: 2 }) },
  // `properties` as an array of documents: MongoDB matches `properties.n` inside them.
  { weight: 1, arbitrary: fc.array(fc.record({ n: value }), { minLength: 1, maxLength: 2 }) },
);
const condition = fc.oneof(
  scalar.map((v) => v),
  fc
    .tuple(fc.constantFrom('$gt', '$gte', '$lt', '$lte'), fc.oneof(scalar, fc.constant('ä')))
    .map(([op, v]) => ({ [op]: v })),
  fc.array(scalar, { minLength: 1, maxLength: 3 }).map((list) => ({ $in: list })),
  // A value that is not pushed down among others: the whole $in stays in Go.
  fc.array(value, { minLength: 1, maxLength: 3 }).map((list) => ({ $in: [...list, {}] })),
);

describe('FerretDB on postgresql, conditions on properties.<name>', () => {
  it('returns exactly what the full evaluation returns, whatever the values', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(properties, { minLength: 1, maxLength: 12 }),
        fc.constantFrom('n', 'm'),
        condition,
        async (stored, name, cond) => {
          await docs.deleteMany({});
          await docs.insertMany(
            stored.map((p, i) => ({ _id: `g${i}`, project: 'p', properties: p, kind: 'g' })),
          );
          // A second condition after it: placeholders of a pushed-down filter must stay in step.
          const filter = { project: 'p', [`properties.${name}`]: cond, kind: 'g' };
          expect(await idsOf(filter)).toStrictEqual(await idsOf({ $and: [filter] }));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('has PostgreSQL evaluate equality, $in and ranges (the plan reading can fail)', async () => {
    await docs.deleteMany({});
    await docs.insertMany(
      Array.from({ length: 500 }, (_, i) => ({
        _id: `g${i}`,
        project: 'p',
        properties: { tier: i % 10, plan: i % 2 === 0 ? 'pro' : 'free' },
      })),
    );
    for (const [filter, pushed] of [
      [{ 'properties.tier': 7 }, `#> '{properties,tier}'::text[]) @> '7'::jsonb`],
      [{ 'properties.tier': { $in: [3, 4] } }, `#> '{properties,tier}'::text[]) @> '4'::jsonb`],
      [{ 'properties.tier': { $gte: 8 } }, `#> '{properties,tier}'::text[]) >= '8'::jsonb`],
      [{ 'properties.plan': { $lt: 'g' } }, `'{properties,plan}'::text[]) #>> '{}'::text[]))`],
    ] as const) {
      const planned = JSON.parse(await plan({ project: 'p', ...filter })) as {
        Plan: { Filter?: string };
      };
      expect(planned.Plan.Filter).toContain(pushed);
    }
    // Unchanged upstream: a path of three elements is still left to Go.
    expect(await plan({ project: 'p', 'properties.a.b': 1 })).not.toContain('{properties,a,b}');
    expect(await idsOf({ project: 'p', 'properties.tier': { $gte: 8 } })).toHaveLength(100);
  });
});

describe('FerretDB, equality with a document', () => {
  it('matches the document inside an array, with every equality operator', async () => {
    await docs.deleteMany({});
    await docs.insertMany([
      { _id: 'in-array', properties: { n: [{ x: 1 }, 3] } },
      { _id: 'is-it', properties: { n: { x: 1 } } },
      { _id: 'other', properties: { n: [{ x: 2 }, 3] } },
    ]);
    const cases: [Document, string[]][] = [
      [{ 'properties.n': { x: 1 } }, ['in-array', 'is-it']],
      [{ 'properties.n': { $eq: { x: 1 } } }, ['in-array', 'is-it']],
      [{ 'properties.n': { $in: [{ x: 1 }] } }, ['in-array', 'is-it']],
      [{ 'properties.n': { $ne: { x: 1 } } }, ['other']],
      [{ 'properties.n': { $nin: [{ x: 1 }] } }, ['other']],
      // $eq with a document no longer ends the evaluation of the field's other operators
      [{ 'properties.n': { $eq: { x: 1 }, $exists: false } }, []],
      [{ 'properties.n': { $ne: { x: 9 }, $size: 2 } }, ['in-array', 'other']],
    ];
    for (const [filter, expected] of cases)
      expect(await idsOf(filter), JSON.stringify(filter)).toStrictEqual(expected.sort());
  });
});
