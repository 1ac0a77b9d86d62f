import { readFileSync } from 'node:fs';
import { openApiDocument } from '@groupidentify/ingest';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TestIngest } from '../helpers/ingest.js';
import { assertMatchesOpenApi, fetchMatchingOpenApi } from '../helpers/openapi.js';
import { waitForVersion, useIngestAndWorker } from '../helpers/worker.js';
import { basic } from '../helpers/http.js';

const services = useIngestAndWorker();
let ingest: TestIngest;
beforeAll(() => {
  ingest = services.ingest();
});

const seen: string[] = [];

/** One real request; its response must be one the OpenAPI document describes. */
async function call(
  method: string,
  path: string,
  init: RequestInit = {},
): Promise<{ status: number; text: string }> {
  const { status, text } = await fetchMatchingOpenApi(ingest.url, method, path, init);
  seen.push(`${method} ${status}`);
  return { status, text };
}

const auth = () => ({
  authorization: basic(ingest.apiKey, ingest.secretKey),
});
const form = (params: Record<string, string>) => ({
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(params).toString(),
});
const json = (value: unknown) => ({
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(value),
});

describe('real responses match the OpenAPI 3.1 document', () => {
  it('/openapi.json serves the document kept in the repo, its parts merged in', async () => {
    const { status, text } = await call('GET', '/openapi.json');
    expect(status).toBe(200);
    const file = readFileSync(
      new URL('../../apps/ingest/openapi/openapi.json', import.meta.url),
      'utf8',
    );
    const served = JSON.parse(text) as { paths: Record<string, unknown> };
    expect(served).toStrictEqual(openApiDocument());
    // Every path of the main file is served as written there.
    const base = JSON.parse(file) as { paths: Record<string, unknown> };
    for (const [path, item] of Object.entries(base.paths))
      expect(served.paths[path]).toStrictEqual(item);
  });

  it('ingestion endpoints: success and every kind of error', async () => {
    const identification = JSON.stringify({
      group_type: 'org',
      group_value: 'oa',
      group_properties: { a: 1 },
    });
    expect(
      (await call('POST', '/groupidentify', form({ api_key: ingest.apiKey, identification })))
        .status,
    ).toBe(200);
    expect(
      (
        await call(
          'GET',
          `/groupidentify?api_key=${ingest.apiKey}&identification=${encodeURIComponent(identification)}`,
        )
      ).status,
    ).toBe(200);
    expect((await call('POST', '/groupidentify', form({ identification }))).status).toBe(400);
    expect(
      (
        await call(
          'POST',
          '/groupidentify',
          form({ api_key: ingest.apiKey, identification: '[{}]' }),
        )
      ).status,
    ).toBe(400);
    expect(await call('PUT', '/groupidentify', form({}))).toMatchObject({ status: 405 });
    expect((await call('POST', '/groupidentify', { body: 'x'.repeat(1_100_000) })).status).toBe(
      413,
    );
    const event = {
      event_type: '$groupidentify',
      groups: { org: 'oa' },
      group_properties: { $add: { n: 1 } },
    };
    expect(
      (await call('POST', '/2/httpapi', json({ api_key: ingest.apiKey, events: [event] }))).status,
    ).toBe(200);
    expect(
      (await call('POST', '/batch', json({ api_key: ingest.apiKey, events: [event] }))).status,
    ).toBe(200);
    expect(
      (await call('POST', '/2/httpapi', json({ api_key: 'nope', events: [event] }))).status,
    ).toBe(400);
    expect(
      (
        await call(
          'POST',
          '/2/httpapi',
          json({ api_key: ingest.apiKey, events: [{ event_type: 'x' }] }),
        )
      ).status,
    ).toBe(400);
  });

  it('read API: group, as_of, history, list, and its errors', async () => {
    await waitForVersion(ingest, 'org', 'oa', 4);
    expect((await call('GET', '/api/groups/org/oa', { headers: auth() })).status).toBe(200);
    expect(
      (
        await call('GET', `/api/groups/org/oa?as_of=${new Date().toISOString()}`, {
          headers: auth(),
        })
      ).status,
    ).toBe(200);
    expect(
      (await call('GET', '/api/groups/org/oa?as_of=2000-01-01T00:00:00Z', { headers: auth() }))
        .status,
    ).toBe(404);
    expect(
      (await call('GET', '/api/groups/org/oa/history?limit=2', { headers: auth() })).status,
    ).toBe(200);
    expect((await call('GET', '/api/groups?group_type=org', { headers: auth() })).status).toBe(200);
    expect((await call('GET', '/api/groups?limit=0', { headers: auth() })).status).toBe(400);
    expect((await call('GET', '/api/groups/org/missing', { headers: auth() })).status).toBe(404);
    expect((await call('GET', '/api/groups')).status).toBe(401);
  });

  it('erasure: 202, 404, 401', async () => {
    const identification = JSON.stringify({
      group_type: 'org',
      group_value: 'erased',
      group_properties: { a: 1 },
    });
    await call('POST', '/groupidentify', form({ api_key: ingest.apiKey, identification }));
    await waitForVersion(ingest, 'org', 'erased', 1);
    expect((await call('DELETE', '/api/groups/org/erased', { headers: auth() })).status).toBe(202);
    expect((await call('DELETE', '/api/groups/org/never', { headers: auth() })).status).toBe(404);
    expect((await call('DELETE', '/api/groups/org/erased')).status).toBe(401);
  });

  it('where, count and export: 200, 400, 401', async () => {
    await waitForVersion(ingest, 'org', 'oa', 4);
    const where = encodeURIComponent(JSON.stringify({ plan: { $exists: true } }));
    const headers = auth();
    for (const path of [
      `/api/groups?group_type=org&where=${where}`,
      `/api/groups/count?group_type=org&where=${where}`,
      '/api/groups/count',
      '/api/export?group_type=org',
      `/api/export?where=${where}&as_of=${new Date().toISOString()}`,
    ])
      expect((await call('GET', path, { headers })).status, path).toBe(200);
    const exported = await call('GET', '/api/export?group_type=org', { headers });
    expect(exported.text.split('\n').filter((l) => l !== '').length).toBeGreaterThan(0);
    for (const path of ['/api/groups/count?where=[1]', '/api/export?where={"$or":[]}'])
      expect((await call('GET', path, { headers })).status, path).toBe(400);
    expect((await call('GET', '/api/export?as_of=soon', { headers })).status).toBe(400);
    expect((await call('GET', '/api/groups/count')).status).toBe(401);
    expect((await call('GET', '/api/export')).status).toBe(401);
  });

  it('project: 200 with the ordering, 401', async () => {
    const res = await call('GET', '/api/project', { headers: auth() });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toMatchObject({ id: ingest.projectId, ordering: 'received' });
    expect((await call('GET', '/api/project')).status).toBe(401);
  });

  it('lookup: 200, 400, 401', async () => {
    await waitForVersion(ingest, 'org', 'oa', 4);
    const headers = { ...auth(), 'content-type': 'application/json' };
    const groups = [
      { group_type: 'org', group_value: 'oa' },
      { group_type: 'org', group_value: 'oa', as_of: new Date().toISOString() },
      { group_type: 'org', group_value: 'never' },
    ];
    const found = await call('POST', '/api/groups/lookup', {
      headers,
      body: JSON.stringify({ groups }),
    });
    expect(found.status).toBe(200);
    expect((JSON.parse(found.text) as { items: unknown[] }).items).toHaveLength(3);
    const bad = JSON.stringify({ groups: [{ group_type: 'org' }] });
    expect((await call('POST', '/api/groups/lookup', { headers, body: bad })).status).toBe(400);
    const noAuth = { 'content-type': 'application/json' };
    expect(
      (
        await call('POST', '/api/groups/lookup', {
          headers: noAuth,
          body: JSON.stringify({ groups }),
        })
      ).status,
    ).toBe(401);
  });

  it('webhook destinations: create, list, get, pause, delete, and their errors', async () => {
    const headers = { ...auth(), 'content-type': 'application/json' };
    const made = await call('POST', '/api/destinations', {
      headers,
      body: JSON.stringify({ url: 'https://8.8.8.8:9/hook', group_type: 'org' }),
    });
    expect(made.status).toBe(201);
    const { id } = JSON.parse(made.text) as { id: string };
    const path = `/api/destinations/${id}`;
    expect((await call('GET', '/api/destinations', { headers })).status).toBe(200);
    expect((await call('GET', path, { headers })).status).toBe(200);
    const pause = JSON.stringify({ status: 'paused' });
    expect((await call('PATCH', path, { headers, body: pause })).status).toBe(200);
    const bad = JSON.stringify({ status: 'failing' });
    expect((await call('PATCH', path, { headers, body: bad })).status).toBe(400);
    const refused = JSON.stringify({ url: 'http://127.0.0.1:9/' });
    expect((await call('POST', '/api/destinations', { headers, body: refused })).status).toBe(400);
    expect((await call('DELETE', path, { headers })).status).toBe(204);
    expect((await call('GET', path, { headers })).status).toBe(404);
    expect((await call('DELETE', path, { headers })).status).toBe(404);
    expect((await call('GET', '/api/destinations')).status).toBe(401);
  });

  it('change feed: pages, long poll, stream, and their errors', async () => {
    await waitForVersion(ingest, 'org', 'oa', 4);
    const headers = auth();
    const all = await call('GET', '/api/changes?limit=3', { headers });
    expect(all.status).toBe(200);
    expect((JSON.parse(all.text) as { items: unknown[] }).items.length).toBeGreaterThan(0);
    const cursor = (JSON.parse(all.text) as { next_cursor: string }).next_cursor;
    expect((await call('GET', `/api/changes?after=${cursor}&wait_ms=1`, { headers })).status).toBe(
      200,
    );
    expect((await call('GET', '/api/changes?after=nope', { headers })).status).toBe(400);
    expect((await call('GET', '/api/changes?wait_ms=-1', { headers })).status).toBe(400);
    expect((await call('GET', '/api/changes')).status).toBe(401);
    expect((await call('GET', '/api/changes/stream?after=nope', { headers })).status).toBe(400);
    // The stream never ends: its first event is checked, then it is dropped.
    const abort = new AbortController();
    const res = await fetch(`${ingest.url}/api/changes/stream`, { headers, signal: abort.signal });
    let text = '';
    for await (const chunk of res.body ?? []) {
      text += Buffer.from(chunk as Uint8Array).toString('utf8');
      if (text.includes('event: change')) break;
    }
    abort.abort();
    assertMatchesOpenApi(
      'GET',
      '/api/changes/stream',
      res.status,
      res.headers.get('content-type'),
      text,
    );
    const data = /^data: (.*)$/m.exec(text)?.[1] ?? '';
    assertMatchesOpenApi(
      'GET',
      '/api/changes',
      200,
      'application/json',
      `{"items":[${data}],"next_cursor":"x"}`,
    );
  });

  it('the check itself refuses what the document does not describe', () => {
    const json = 'application/json';
    expect(() =>
      assertMatchesOpenApi('GET', '/api/groups/org/oa', 200, json, '{"group_type":1}'),
    ).toThrow(/does not match/);
    expect(() => assertMatchesOpenApi('GET', '/api/groups/org/oa', 418, json, '{}')).toThrow(
      /status 418/,
    );
    expect(() => assertMatchesOpenApi('GET', '/nowhere', 200, json, '{}')).toThrow(
      /not in the OpenAPI/,
    );
  });

  it('operations endpoints', async () => {
    expect((await call('GET', '/healthz')).status).toBe(200);
    expect((await call('GET', '/readyz')).status).toBe(200);
    // Not on the public port (the metrics port's, test/ingest/operations.test.ts).
    expect((await fetch(`${ingest.url}/metrics`)).status).toBe(404);
    expect(seen.length).toBeGreaterThan(20);
  });
});
