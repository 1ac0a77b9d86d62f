import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  Double,
  BSON,
  Long,
  MongoClient,
  ObjectId,
  Timestamp,
  type Collection,
  type Db,
  type Document,
} from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMongo, type MongoServer } from './mongo-server.js';

// The read API counts the groups a `where` selects (countDocuments: an aggregate of $match and
// $group) and lists them in `_id` order, a page at a time (find, sort {_id: 1}, limit, the cursor
// as `_id: {$gt: after}`). FerretDB v1.24.2 fetched and decoded every matching document for both,
// so they grew with the number of groups. scripts/ferretdb/0008-push-down-counts-and-sorted-pages.patch
// has PostgreSQL count (SELECT count(*)) and return the first page (ORDER BY the `_id_` index's
// expression, LIMIT) itself when it evaluates the whole filter exactly. These tests compare every
// result with FerretDB's own full evaluation (a top-level `$and` is never pushed down) on
// documents of every awkward kind, and read the SQL plans.
const dir = mkdtempSync(join(tmpdir(), 'groupidentify-counts-pages-'));

let mongo: MongoServer;
let client: MongoClient;
let db: Db;
let docs: Collection;

beforeAll(async () => {
  const env = { ...process.env, PATH: '' }; // FerretDB even where mongod is installed
  mongo = await startMongo({ dir, ferretdbBackend: 'postgresql', env });
  client = await MongoClient.connect(mongo.url, { serverSelectionTimeoutMS: 10_000 });
  db = client.db('counts_pages');
  docs = db.collection('groups');
  // The conditions on indexed fields are written as alternatives that each bound an index scan,
  // the others as they are: both forms are compared below.
  await docs.createIndex(
    { project: 1, group_type: 1, 'properties.n': 1 },
    { name: 'where_n' },
    undefined,
  );
});

afterAll(async () => {
  await client.close();
  await mongo.stop();
  rmSync(dir, { recursive: true, force: true });
});

// A string that is also an ObjectID's hex form: jsonb stores both as that string.
const HEX = 'aaaaaaaaaaaaaaaaaaaaaaaa';

// Values of every kind a field may hold, with near misses: int, long and double of one number,
// and a date and a timestamp that jsonb stores as that number too; strings that order differently
// by bytes and by a locale, and one that an ObjectID shares.
const scalar = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom<unknown>(0, 1, 2, 2.5, -1, 7, 100, 1e15) },
  {
    weight: 3,
    arbitrary: fc.constantFrom<unknown>(
      7,
      Long.fromNumber(7),
      new Double(7),
      new Date(7),
      new Timestamp({ t: 0, i: 7 }),
      new ObjectId(HEX),
    ),
  },
  { weight: 3, arbitrary: fc.constantFrom<unknown>('', 'a', 'B', 'b', 'ä', 'z', '10', '9', HEX) },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
);
const value = fc.oneof(
  { weight: 4, arbitrary: scalar },
  { weight: 2, arbitrary: fc.array(scalar, { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.record({ x: scalar }) },
);
const properties = fc.oneof(
  { weight: 6, arbitrary: fc.dictionary(fc.constantFrom('n', 'm'), value, { maxKeys: 2 }) },
  // `properties` as an array of documents: `properties.n` looks into them.
  { weight: 1, arbitrary: fc.array(fc.record({ n: value }), { minLength: 1, maxLength: 2 }) },
  { weight: 1, arbitrary: scalar },
);
// Top-level fields: mostly the string, or an ObjectID that jsonb stores as it, arrays holding
// either, other types, or missing.
const project = fc.oneof(
  { weight: 8, arbitrary: fc.constant<unknown>('p') },
  { weight: 2, arbitrary: fc.constantFrom<unknown>(HEX, new ObjectId(HEX)) },
  {
    weight: 3,
    arbitrary: fc.constantFrom<unknown>(
      ['p', 'x'],
      [HEX],
      [new ObjectId(HEX), 'x'],
      ['x'],
      [],
      'x',
      7,
      undefined,
    ),
  },
);
const groupType = fc.oneof(
  { weight: 8, arbitrary: fc.constant<unknown>('g') },
  { weight: 2, arbitrary: fc.constantFrom<unknown>(['g'], ['x', 'g'], ['x'], 7, undefined) },
);
const erased = fc.oneof(
  { weight: 8, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(true, null, false) },
);
// Mostly strings (that order differently by bytes and by a locale), some of every other type.
const idKind = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom('', 'a', 'B', 'ä', 'g').map((p) => ({ s: p })) },
  {
    weight: 5,
    arbitrary: fc.constantFrom('int', 'double', 'long', 'oid', 'date', 'doc', 'bool', 'null'),
  },
);
const idOf = (kind: string | { s: string }, i: number): unknown => {
  if (typeof kind === 'object') return `${kind.s}${i}`;
  switch (kind) {
    case 'int':
      return i;
    case 'double':
      return i + 0.5;
    case 'long':
      return Long.fromNumber(1000 + i);
    case 'oid':
      return new ObjectId(i.toString(16).padStart(24, '0'));
    case 'date':
      return new Date(2000 + i);
    case 'doc':
      return { k: i };
    case 'bool':
      return i % 2 === 0;
    default:
      return null;
  }
};
const group = fc.record({
  id: idKind,
  project,
  groupType,
  erased,
  properties,
});

// Filter values: those pushed down, and some that are not (null, a date), which must fall back.
const operand = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.constantFrom<unknown>(0, 1, 2, 2.5, -1, 7, 100, 1e15, Long.fromNumber(7)),
  },
  { weight: 4, arbitrary: fc.constantFrom<unknown>('', 'a', 'B', 'ä', 'z', '10', HEX) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(true, false, null, new Date(7)) },
);
const range = fc.constantFrom('$gt', '$gte', '$lt', '$lte');
const condition = fc.oneof(
  operand,
  operand.map((v) => ({ $in: [v] })), // the store's form of an equality
  fc.tuple(range, operand).map(([op, v]) => ({ [op]: v })),
  fc.tuple(range, operand, range, operand).map(([a, x, b, y]) => ({ [a]: x, [b]: y })),
  fc.array(operand, { minLength: 1, maxLength: 3 }).map((list) => ({ $in: list })),
  fc.constantFrom<unknown>({ $ne: 7 }, { $exists: true }), // not pushed down
);
const selection = fc.record({
  project: fc.constantFrom('p', 'p', 'p', HEX),
  erased: fc.boolean(),
  groupType: fc.boolean(),
  name: fc.constantFrom('n', 'n', 'm'),
  cond: fc.option(condition, { nil: undefined, freq: 3 }),
  after: fc.option(fc.constantFrom('', 'a', 'a3', 'B', 'g5', 'ä'), { nil: undefined, freq: 2 }),
  skip: fc.constantFrom(0, 0, 1, 3),
  limit: fc.integer({ min: 1, max: 6 }),
});

const key = (v: unknown): string => BSON.EJSON.stringify(v, { relaxed: false });
const ids = (found: Document[]): string[] => found.map((d) => key(d['_id']));

describe('FerretDB on postgresql, counts and pages in _id order', () => {
  it('count and return exactly what the full evaluation does, whatever the documents', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(group, { minLength: 1, maxLength: 24 }),
        selection,
        async (stored, s) => {
          await docs.deleteMany({});
          const seen = new Set<string>();
          const planted: Document[] = [];
          stored.forEach((g, i) => {
            const _id = idOf(g.id, i);
            if (seen.has(key(_id))) return;
            seen.add(key(_id));
            const doc: Document = { _id, properties: g.properties };
            if (g.project !== undefined) doc['project'] = g.project;
            if (g.groupType !== undefined) doc['group_type'] = g.groupType;
            if (g.erased !== undefined) doc['erased'] = g.erased;
            planted.push(doc);
          });
          await docs.insertMany(planted);

          // the shape of the store's filters (packages/store/src/group-queries.ts)
          const filter: Document = { project: s.project };
          if (s.erased) filter['erased'] = { $exists: false };
          if (s.groupType) filter['group_type'] = 'g';
          if (s.cond !== undefined) filter[`properties.${s.name}`] = s.cond;
          if (s.after !== undefined) filter['_id'] = { $gt: s.after };
          const full = { $and: [filter] };
          const label = key(filter);

          expect(await docs.countDocuments(filter), label).toBe(await docs.countDocuments(full));
          const window = { skip: s.skip, limit: s.limit };
          expect(await docs.countDocuments(filter, window), label).toBe(
            await docs.countDocuments(full, window),
          );
          const count = async (query: Document) =>
            (await db.command({ count: 'groups', query, ...window }))['n'] as number;
          expect(await count(filter), label).toBe(await count(full));

          const page = async (f: Document, order: 1 | -1) =>
            ids(await docs.find(f).sort({ _id: order }).skip(s.skip).limit(s.limit).toArray());
          expect(await page(filter, 1), label).toStrictEqual(await page(full, 1));
          // descending pages are pushed down only when the filter leaves string _ids alone
          expect(await page(filter, -1), label).toStrictEqual(await page(full, -1));
        },
      ),
      { numRuns: 400 },
    );
  });

  it('return exactly the page the full evaluation does, whatever the types of _id', async () => {
    // many documents that match, with _ids of every type: the pages are the point here
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(idKind, fc.integer({ min: 0, max: 3 })), { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 0, max: 3 }),
        fc.option(fc.constantFrom('', 'a', 'a3', 'B', 'g5', 'ä'), { nil: undefined }),
        fc.constantFrom(0, 0, 2),
        fc.integer({ min: 1, max: 8 }),
        async (stored, least, after, skip, limit) => {
          await docs.deleteMany({});
          const seen = new Set<string>();
          const planted: Document[] = [];
          stored.forEach(([kind, n], i) => {
            const _id = idOf(kind, i);
            if (seen.has(key(_id))) return;
            seen.add(key(_id));
            planted.push({ _id, project: 'p', group_type: 'g', properties: { n } });
          });
          await docs.insertMany(planted);
          const filter: Document = {
            project: 'p',
            group_type: 'g',
            'properties.n': { $gte: least },
          };
          if (after !== undefined) filter['_id'] = { $gt: after };
          const page = async (f: Document, order: 1 | -1) =>
            ids(await docs.find(f).sort({ _id: order }).skip(skip).limit(limit).toArray());
          for (const order of [1, -1] as const)
            expect(await page(filter, order), key(filter)).toStrictEqual(
              await page({ $and: [filter] }, order),
            );
        },
      ),
      { numRuns: 150 },
    );
  });

  describe('plans', () => {
    const N = 3_000;
    const explain = (command: Document): Promise<Document> => db.command({ explain: command });
    const countPlan = (filter: Document) =>
      explain({
        aggregate: 'groups',
        pipeline: [{ $match: filter }, { $group: { _id: 1, n: { $sum: 1 } } }],
        cursor: {},
      });
    const pagePlan = (filter: Document) =>
      explain({ find: 'groups', filter, sort: { _id: 1 }, limit: 101 });
    const where = (cond: Document) => ({
      project: 'p',
      erased: { $exists: false },
      group_type: 'org',
      ...cond,
    });

    beforeAll(async () => {
      await docs.deleteMany({});
      await docs.insertMany(
        Array.from({ length: N }, (_, i) => ({
          _id: JSON.stringify(['p', 'org', `g${i}`]),
          project: 'p',
          group_type: 'org',
          properties: { tier: i % 100 },
        })) as Document[],
      );
      // as the store's property indexes are created (packages/store/src/property-indexes.ts)
      await docs.createIndex(
        { project: 1, group_type: 1, 'properties.tier': 1 },
        { name: 'where_tier' },
        undefined,
      );
      // PostgreSQL's plans rest on the statistics of the index's expressions, which the patch
      // has it take when the index is created (autovacuum takes them in its own time).
    });

    it('count in PostgreSQL, from the property index', async () => {
      const filter = where({ 'properties.tier': { $in: [7] } });
      const explained = await countPlan(filter);
      expect(explained['countPushdown']).toBe(true);
      const nodes = flatten((explained['queryPlanner'] as Document)['Plan'] as PlanNode);
      expect(nodes[0]?.['Node Type']).toBe('Aggregate');
      // the equality, an index condition on the three fields of the property index
      const scans = nodes.filter((n) => /where_tier/.test(String(n['Index Name'])));
      expect(scans.map((n) => String(n['Index Cond']))).toContainEqual(
        expect.stringMatching(
          /'project'::text\) = '"p"'::jsonb\) AND .*'group_type'::text\) = '"org"'::jsonb\) AND .*'tier'::text\) = '7'::jsonb\)/,
        ),
      );
      expect(await docs.countDocuments(filter)).toBe(N / 100);
      // and a range of the property
      const range = await countPlan(where({ 'properties.tier': { $gte: 95 } }));
      expect(range['countPushdown']).toBe(true);
      expect(JSON.stringify(range['queryPlanner'])).toMatch(/"Index Name":"[^"]*where_tier[^"]*"/);
      expect(await docs.countDocuments(where({ 'properties.tier': { $gte: 95 } }))).toBe(N / 20);
    });

    it('return the first page in PostgreSQL, walking the _id index with a LIMIT', async () => {
      const filter = where({ 'properties.tier': { $gte: 50 } });
      const explained = await pagePlan(filter);
      expect(explained['sortPushdown']).toBe(true);
      expect(explained['limitPushdown']).toBe(true);
      const plan = explained['queryPlanner'] as Document;
      const nodes = flatten(plan['Plan'] as PlanNode);
      const limit = nodes.find((n) => n['Node Type'] === 'Limit');
      expect(limit?.['Plan Rows']).toBe(101);
      const walk = flatten(limit as PlanNode).find((n) => n['Node Type'] === 'Index Scan');
      expect(walk?.['Index Name']).toMatch(/__id__/);
      expect(walk?.['Scan Direction']).toBe('Forward');
      const page = await docs.find(filter).sort({ _id: 1 }).limit(101).toArray();
      expect(page).toHaveLength(101);
      expect(page.every((d) => (d['properties'] as { tier: number }).tier >= 50)).toBe(true);
    });

    it('serve the cursor (_id $gt a string) from the _id index', async () => {
      const after = JSON.stringify(['p', 'org', 'g1234']);
      const filter = where({ 'properties.tier': { $gte: 50 }, _id: { $gt: after } });
      const explained = await pagePlan(filter);
      expect(explained['limitPushdown']).toBe(true);
      const nodes = flatten((explained['queryPlanner'] as Document)['Plan'] as PlanNode);
      const walk = nodes.find((n) => /__id__/.test(String(n['Index Name'])));
      expect(String(walk?.['Index Cond'])).toContain(
        `'_id'::text) > '${JSON.stringify(after).replace(/'/g, "''")}'::jsonb)`,
      );
      const page = await docs.find(filter).sort({ _id: 1 }).limit(101).toArray();
      const expected = Array.from({ length: N }, (_, i) => i)
        .filter((i) => i % 100 >= 50)
        .map((i) => JSON.stringify(['p', 'org', `g${i}`]))
        .filter((id) => id > after)
        .sort()
        .slice(0, 101);
      expect(page.map((d) => d['_id'])).toStrictEqual(expected);
      // and counts with it too
      expect((await countPlan(where({ _id: { $gt: after } })))['countPushdown']).toBe(true);
    });

    it('leave to Go what is not translated exactly', async () => {
      // a top-level $and (how the comparisons above get FerretDB's full evaluation), a $ne
      for (const filter of [
        { $and: [where({ 'properties.tier': { $in: [7] } })] },
        where({ 'properties.tier': { $ne: 7 } }),
        where({ 'properties.tier': { $in: [7, null] } }),
      ]) {
        const explained = await countPlan(filter);
        expect(explained['countPushdown'], JSON.stringify(filter)).toBe(false);
      }
      const explained = await pagePlan({ $and: [where({})] });
      expect(explained['limitPushdown']).toBe(false);
    });
  });
});

interface PlanNode {
  'Node Type'?: string;
  Plans?: PlanNode[];
  [k: string]: unknown;
}

function flatten(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(flatten)];
}
