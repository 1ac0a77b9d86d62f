import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { basic, send } from '../helpers/http.js';
import { pollUntil } from '../helpers/services.js';
import type { TestIngest } from '../helpers/ingest.js';
import { waitForVersion, useIngestAndWorker } from '../helpers/worker.js';

const services = useIngestAndWorker();
let ingest: TestIngest;
beforeAll(() => {
  ingest = services.ingest();
});

async function get(path: string, auth = basic(ingest.apiKey, ingest.secretKey)) {
  const res = await fetch(`${ingest.url}${path}`, { headers: { authorization: auth } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function identify(
  groupType: string,
  groupValue: string,
  gp: object,
  apiKey = ingest.apiKey,
): Promise<void> {
  const reply = await send(ingest.url, {
    json: {
      api_key: apiKey,
      identification: { group_type: groupType, group_value: groupValue, group_properties: gp },
    },
  });
  expect(reply.status).toBe(200);
}

const path = (type: string, value: string) =>
  `/api/groups/${encodeURIComponent(type)}/${encodeURIComponent(value)}`;

describe('read API auth (docs/api.md)', () => {
  it.each([
    ['no Authorization header', ''],
    ['a wrong secret', 'wrong-secret'],
    ['an unknown api_key', 'unknown-key'],
    ['a malformed header', 'Bearer abc'],
  ])('%s → 401', async (_, variant) => {
    const auth =
      variant === ''
        ? ''
        : variant === 'wrong-secret'
          ? basic(ingest.apiKey, 'nope')
          : variant === 'unknown-key'
            ? basic('nope', ingest.secretKey)
            : variant;
    const { status, body } = await get('/api/groups', auth);
    expect(status).toBe(401);
    expect(body).toStrictEqual({ code: 401, error: 'Unauthorized' });
  });

  it("one project's keys never see another project's groups", async () => {
    const other = await ingest.addProject();
    const value = `iso-${randomUUID()}`;
    await identify('org', value, { secret: 1 }, other.apiKey);
    await identify('org', value, { mine: 1 });
    await waitForVersion(ingest, 'org', value, 1);
    expect((await get(path('org', value))).body['properties']).toStrictEqual({ mine: 1 });
    const otherAuth = basic(other.apiKey, other.secretKey);
    expect((await get(path('org', value), otherAuth)).body['properties']).toStrictEqual({
      secret: 1,
    });
    const list = await get('/api/groups?limit=1000', otherAuth);
    expect(
      (list.body['items'] as { group_value: string }[]).map((i) => i.group_value),
    ).toStrictEqual([value]);
    // A key pair mixing the two projects is refused.
    expect((await get(path('org', value), basic(other.apiKey, ingest.secretKey))).status).toBe(401);
  });
});

describe('get, as_of, history, list (docs/api.md)', () => {
  it('gets a group with URL-encoded segments; 404 for an unknown one', async () => {
    const value = `a/b c?ü-${randomUUID()}`;
    await identify('team type', value, { plan: 'pro' });
    await waitForVersion(ingest, 'team type', value, 1);
    const { status, body } = await get(path('team type', value));
    expect(status).toBe(200);
    expect(body).toMatchObject({
      group_type: 'team type',
      group_value: value,
      properties: { plan: 'pro' },
      version: 1,
    });
    expect(new Date(body['created_at'] as string).toISOString()).toBe(body['created_at']);
    expect(new Date(body['updated_at'] as string).toISOString()).toBe(body['updated_at']);
    expect(await get(path('team type', 'missing'))).toStrictEqual({
      status: 404,
      body: { code: 404, error: 'Group not found' },
    });
  });

  it('as_of gives the properties in effect at an instant; before the first identification, 404', async () => {
    const value = randomUUID();
    // A millisecond earlier: ingest may stamp the first identification within this very one, and
    // an identification is in effect from the instant it was received.
    const before = new Date(Date.now() - 1).toISOString();
    await identify('org', value, { plan: 'free', seats: 1 });
    await waitForVersion(ingest, 'org', value, 1);
    const afterFirst = new Date().toISOString();
    // The next identification is received after that instant: ISO times are to the millisecond,
    // and one received within it would be in effect at it.
    await pollUntil(() => Promise.resolve(Date.now() > Date.parse(afterFirst)), {
      timeoutMs: 1_000,
      intervalMs: 1,
      description: 'the clock to move on',
    });
    await identify('org', value, {
      $set: { plan: 'pro' },
      $add: { seats: 4 },
      $unset: { gone: '-' },
    });
    await identify('org', value, { $unset: { seats: '-' }, extra: true });
    await waitForVersion(ingest, 'org', value, 3);
    expect((await get(`${path('org', value)}?as_of=${before}`)).status).toBe(404);
    expect(
      (await get(`${path('org', value)}?as_of=${afterFirst}`)).body['properties'],
    ).toStrictEqual({
      plan: 'free',
      seats: 1,
    });
    expect(
      (await get(`${path('org', value)}?as_of=${new Date().toISOString()}`)).body['properties'],
    ).toStrictEqual({
      plan: 'pro',
      extra: true,
    });
  });

  it('history is newest first, with changes and skipped operations, paginated by cursor', async () => {
    const value = randomUUID();
    await identify('org', value, { n: 'ten' });
    await identify('org', value, { $add: { n: 1 }, $set: { m: 1 } });
    await send(ingest.url, {
      json: {
        api_key: ingest.apiKey,
        identification: {
          group_type: 'org',
          group_value: value,
          insert_id: 'i-1',
          group_properties: { 'a.b': [1] },
        },
      },
    });
    await waitForVersion(ingest, 'org', value, 3);
    const first = await get(`${path('org', value)}/history?limit=2`);
    const items = first.body['items'] as Record<string, unknown>[];
    expect(items.map((i) => i['changes'])).toStrictEqual([
      { 'a.b': { to: [1] } },
      { m: { to: 1 } },
    ]);
    expect(items[0]).toMatchObject({
      insert_id: 'i-1',
      group_properties: { 'a.b': [1] },
      skipped: [],
    });
    expect(items[1]?.['skipped']).toStrictEqual([
      { op: '$add', property: 'n', reason: 'existing value is not a number' },
    ]);
    expect(typeof first.body['next_cursor']).toBe('string');
    const second = await get(
      `${path('org', value)}/history?limit=2&cursor=${String(first.body['next_cursor'])}`,
    );
    expect(
      (second.body['items'] as Record<string, unknown>[]).map((i) => i['changes']),
    ).toStrictEqual([{ n: { to: 'ten' } }]);
    expect(second.body['next_cursor']).toBeNull();
  });

  it('lists groups by type with cursor pagination', async () => {
    const type = `list-${randomUUID()}`;
    const values = ['a', 'b', 'c', 'd', 'e'];
    for (const v of values) await identify(type, v, {});
    for (const v of values) await waitForVersion(ingest, type, v, 1);
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 5; page++) {
      const q = `/api/groups?group_type=${encodeURIComponent(type)}&limit=2${cursor === null ? '' : `&cursor=${cursor}`}`;
      const { body } = await get(q);
      seen.push(...(body['items'] as { group_value: string }[]).map((i) => i.group_value));
      cursor = body['next_cursor'] as string | null;
      if (cursor === null) break;
    }
    expect(seen).toStrictEqual(values);
  });

  it.each([
    ['/api/groups?limit=0', 'limit'],
    ['/api/groups?limit=abc', 'limit'],
    ['/api/groups?cursor=%%%', 'cursor'],
    ['/api/groups/org/x?as_of=yesterday', 'as_of'],
    ['/api/groups/org/x?as_of=2026-02-30T00:00:00Z', 'as_of'],
    ['/api/groups/org/x?as_of=2026-12-07%20(hello)%2003:29', 'as_of'],
    // History cursors are versions: whole numbers from 1 (JSON text, base64url, as the API makes them).
    ...['-1', '1.5', '1e400', '0', '"3"'].map((json) => [
      `/api/groups/org/x/history?cursor=${Buffer.from(json).toString('base64url')}`,
      'cursor',
    ]),
  ])('%s → 400 naming %s', async (url, field) => {
    if (url.includes('/org/x')) await identify('org', 'x', {});
    if (url.includes('/org/x')) await waitForVersion(ingest, 'org', 'x', 1);
    const { status, body } = await get(url);
    expect(status).toBe(400);
    expect(body).toMatchObject({ code: 400, field });
  });
});
