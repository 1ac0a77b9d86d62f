import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { storedGroup } from '@groupidentify/store/testing';
import { basic, send } from '../helpers/http.js';
import type { TestIngest } from '../helpers/ingest.js';
import { pollUntil } from '../helpers/services.js';
import { useIngestAndWorker, waitForVersion } from '../helpers/worker.js';

// Finding groups by property (`where` on the list and on /api/groups/count) and the snapshot
// export (/api/export), through the HTTP API with a real worker applying identifications.
// docs/api.md#finding-groups-by-property, docs/api.md#export.

const services = useIngestAndWorker();
let ingest: TestIngest;
beforeAll(() => {
  ingest = services.ingest();
});

const auth = () => basic(ingest.apiKey, ingest.secretKey);

async function get(path: string, authorization = auth()) {
  const res = await fetch(`${ingest.url}${path}`, { headers: { authorization } });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type'), text };
}
const getJson = async (path: string) => {
  const reply = await get(path);
  return { status: reply.status, body: JSON.parse(reply.text) as Record<string, unknown> };
};

async function identify(groupType: string, groupValue: string, gp: object): Promise<void> {
  const reply = await send(ingest.url, {
    json: {
      api_key: ingest.apiKey,
      identification: { group_type: groupType, group_value: groupValue, group_properties: gp },
    },
  });
  expect(reply.status).toBe(200);
}

const q = (params: Record<string, string>) => new URLSearchParams(params).toString();
const values = (body: Record<string, unknown>) =>
  (body['items'] as { group_value: string }[]).map((i) => i.group_value);
const lines = (text: string) =>
  text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as { group_value: string; properties: Record<string, unknown> });

describe('where on the list and count', () => {
  // One group type per test run keeps this file's groups apart from the others'.
  const type = `t-${randomUUID()}`;

  beforeAll(async () => {
    const odd: Record<string, unknown> = { 'a.b': 'dotted' };
    Object.defineProperty(odd, '__proto__', { value: 'proto', enumerable: true });
    await identify(type, 'acme', { plan: 'pro', seats: 12, tags: ['eu', 'beta'], ...odd });
    await identify(type, 'acme', { $set: { $x: 'dollar' } }); // a top-level $x is an operation
    await identify(type, 'globex', { plan: 'free', seats: 3, tags: ['us'] });
    await identify(type, 'initech', { plan: 'pro', seats: 40 });
    await waitForVersion(ingest, type, 'acme', 2);
    for (const v of ['globex', 'initech']) await waitForVersion(ingest, type, v, 1);
  });

  const find = async (where: unknown) => {
    const w = JSON.stringify(where);
    const list = await getJson(`/api/groups?${q({ group_type: type, where: w })}`);
    const count = await getJson(`/api/groups/count?${q({ group_type: type, where: w })}`);
    expect(list.status).toBe(200);
    expect(count.status).toBe(200);
    expect(count.body['count']).toBe(values(list.body).length);
    return values(list.body);
  };

  it('matches by equality, array containment and every operator', async () => {
    expect(await find({ plan: 'pro' })).toStrictEqual(['acme', 'initech']);
    expect(await find({ tags: 'eu' })).toStrictEqual(['acme']);
    expect(await find({ seats: { $gte: 10, $lt: 40 } })).toStrictEqual(['acme']);
    expect(await find({ plan: { $in: ['free', 'gold'] } })).toStrictEqual(['globex']);
    expect(await find({ plan: { $nin: ['free'] } })).toStrictEqual(['acme', 'initech']);
    expect(await find({ plan: { $ne: 'pro' } })).toStrictEqual(['globex']);
    expect(await find({ tags: { $exists: false } })).toStrictEqual(['initech']);
    expect(await find({ plan: 'pro', seats: { $gt: 20 } })).toStrictEqual(['initech']);
    expect(await find({ plan: 'enterprise' })).toStrictEqual([]);
  });

  it('takes dotted, $-prefixed and __proto__ names as names', async () => {
    expect(await find({ 'a.b': 'dotted' })).toStrictEqual(['acme']);
    expect(await find({ $x: { $exists: true } })).toStrictEqual(['acme']);
    expect(await find(JSON.parse('{"__proto__":"proto"}'))).toStrictEqual(['acme']);
    expect(await find({ a: { $exists: true } })).toStrictEqual([]); // not a path to a.b
  });

  it('pages with the cursor inside the filter', async () => {
    const w = JSON.stringify({ plan: 'pro' });
    const first = await getJson(`/api/groups?${q({ group_type: type, where: w, limit: '1' })}`);
    expect(values(first.body)).toStrictEqual(['acme']);
    const cursor = String(first.body['next_cursor']);
    const second = await getJson(
      `/api/groups?${q({ group_type: type, where: w, limit: '1', cursor })}`,
    );
    expect(values(second.body)).toStrictEqual(['initech']);
    expect(second.body['next_cursor']).toBeNull();
  });

  it.each([
    ['not json', 'not valid JSON'],
    ['[1]', 'must be a JSON object'],
    ['{"$where":"1"}', '$where is a query operator'],
    ['{"$or":[{"plan":"pro"}]}', '$or is a query operator'],
    ['{"plan":{"$regex":"p"}}', '$regex is not a supported operator'],
    ['{"plan":{"$eq":{"$ne":1}}}', 'operators cannot be nested'],
    [`{"plan":${'['.repeat(41)}1${']'.repeat(41)}}`, 'plan: nested deeper than 40 levels'],
  ])('answers 400 Invalid where to %s', async (where, reason) => {
    for (const path of ['/api/groups', '/api/groups/count', '/api/export']) {
      const reply = await getJson(`${path}?${q({ group_type: type, where })}`);
      expect(reply.status, path).toBe(400);
      expect(reply.body).toMatchObject({ code: 400, error: 'Invalid where', field: 'where' });
      expect(String(reply.body['reason'])).toContain(reason);
    }
  });

  it('never answers 5xx, whatever the where', async () => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.json(),
          fc.string(),
          fc
            .dictionary(
              fc.oneof(fc.constantFrom('$where', '$or', '$gt', '$in', 'a.b', '$x'), fc.string()),
              fc.oneof(
                fc.jsonValue(),
                fc.dictionary(fc.constantFrom('$gt', '$in', '$regex', '$eq', 'x'), fc.jsonValue()),
              ),
            )
            .map((d) => JSON.stringify(d)),
        ),
        async (where) => {
          const reply = await get(`/api/groups/count?${q({ group_type: type, where })}`);
          statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
          expect([200, 400]).toContain(reply.status);
        },
      ),
      { numRuns: 300 },
    );
    expect(statuses.get(200)).toBeGreaterThan(0);
    expect(statuses.get(400)).toBeGreaterThan(0);
  });
});

describe('GET /api/export', () => {
  const type = `x-${randomUUID()}`;

  it('streams every group as NDJSON in the GET shape', async () => {
    await identify(type, 'one', { n: 1 });
    await identify(type, 'two', { n: 2, plan: 'pro' });
    await identify(type, 'two', { $add: { n: 5 } });
    await waitForVersion(ingest, type, 'one', 1);
    await waitForVersion(ingest, type, 'two', 2);
    const reply = await get(`/api/export?${q({ group_type: type })}`);
    expect(reply.status).toBe(200);
    expect(reply.type).toMatch(/^application\/x-ndjson/);
    const exported = lines(reply.text);
    expect(exported.map((g) => g.group_value)).toStrictEqual(['one', 'two']);
    for (const g of exported) {
      const one = await getJson(`/api/groups/${encodeURIComponent(type)}/${g.group_value}`);
      expect(g).toStrictEqual(one.body);
    }
    const filtered = await get(`/api/export?${q({ group_type: type, where: '{"plan":"pro"}' })}`);
    expect(lines(filtered.text).map((g) => g.group_value)).toStrictEqual(['two']);
  });

  it('with as_of gives the properties then, leaving out groups created later', async () => {
    const t = `x-${randomUUID()}`;
    await identify(t, 'early', { plan: 'free', seats: 1 });
    await waitForVersion(ingest, t, 'early', 1);
    // `between`: after the first identification was applied, before the next ones arrive.
    const applied = await updatedAt(t, 'early');
    await pollUntil(() => Promise.resolve(Date.now() > applied + 5), {
      timeoutMs: 1_000,
      description: 'the clock to move on',
    });
    const between = new Date().toISOString();
    await pollUntil(() => Promise.resolve(Date.now() > Date.parse(between) + 5), {
      timeoutMs: 1_000,
      description: 'the clock to move on',
    });
    await identify(t, 'early', { plan: 'pro', $add: { seats: 9 } });
    await identify(t, 'late', { plan: 'pro' });
    await waitForVersion(ingest, t, 'early', 2);
    await waitForVersion(ingest, t, 'late', 1);

    const then = lines((await get(`/api/export?${q({ group_type: t, as_of: between })}`)).text);
    expect(then.map((g) => [g.group_value, g.properties])).toStrictEqual([
      ['early', { plan: 'free', seats: 1 }],
    ]);
    // `where` is about the properties then, not now.
    const wherePro = { group_type: t, as_of: between, where: '{"plan":"pro"}' };
    expect(lines((await get(`/api/export?${q(wherePro)}`)).text)).toStrictEqual([]);
    const whereFree = { ...wherePro, where: '{"plan":"free"}' };
    expect(lines((await get(`/api/export?${q(whereFree)}`)).text)).toHaveLength(1);
    const now = lines((await get(`/api/export?${q({ group_type: t })}`)).text);
    expect(now.map((g) => [g.group_value, g.properties])).toStrictEqual([
      ['early', { plan: 'pro', seats: 10 }],
      ['late', { plan: 'pro' }],
    ]);
  });

  it('refuses a bad as_of or where before streaming, and needs the secret key', async () => {
    const bad = await getJson(`/api/export?${q({ group_type: type, as_of: 'yesterday' })}`);
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 400, field: 'as_of' });
    expect(
      (await get(`/api/export?${q({ group_type: type })}`, basic(ingest.apiKey, 'x'))).status,
    ).toBe(401);
  });

  it('stops reading when the client goes away', async () => {
    const t = `x-${randomUUID()}`;
    const big = 'x'.repeat(4_000);
    await plant(t, 3_000, big);
    const before = await exportedSoFar();
    await new Promise<void>((resolve, reject) => {
      const req = request(
        `${ingest.url}/api/export?${q({ group_type: t })}`,
        { headers: { authorization: auth() } },
        (res) => {
          // Read one chunk, then hang up: the server must not go on through 3,000 groups.
          res.once('data', () => {
            req.destroy();
            resolve();
          });
        },
      );
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (err.code !== 'ECONNRESET') reject(err);
      });
      req.end();
    });
    // The count stops moving, well short of all of them.
    let last = -1;
    const settled = await pollUntil(
      async () => {
        const now = (await exportedSoFar()) - before;
        const stable = now === last;
        last = now;
        return stable ? now : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 300, description: 'the export to stop' },
    );
    expect(settled).toBeGreaterThan(0);
    expect(settled).toBeLessThan(3_000);
  });
});

async function updatedAt(type: string, value: string): Promise<number> {
  const g = await getJson(`/api/groups/${encodeURIComponent(type)}/${value}`);
  return Date.parse(String(g.body['updated_at']));
}

/** Groups stored directly in the store's form (fast, and the same as the worker writes). */
async function plant(type: string, count: number, filler: string): Promise<void> {
  const now = new Date();
  const docs = Array.from({ length: count }, (_, i) =>
    storedGroup(
      { project: ingest.projectId, group_type: type, group_value: `g${i}` },
      { i, filler },
      now,
    ),
  );
  for (let i = 0; i < docs.length; i += 500)
    await ingest.raw.groups.insertMany(docs.slice(i, i + 500));
}

/** Groups written to export responses so far, by this ingest (its metric). */
async function exportedSoFar(): Promise<number> {
  const res = await fetch(String(ingest.metricsUrl));
  const match = /^gi_exported_groups_total (\d+)/m.exec(await res.text());
  return Number(match?.[1] ?? 0);
}
