import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TestIngest } from '../helpers/ingest.js';
import { fetchMatchingOpenApi } from '../helpers/openapi.js';
import { useIngestAndWorker, waitForVersion } from '../helpers/worker.js';

// The Mixpanel, PostHog and Segment routes (docs/sdks.md): every real answer, success and each
// kind of refusal, is one that apps/ingest/openapi/parts/platforms.json describes.
const services = useIngestAndWorker();
let ingest: TestIngest;
beforeAll(() => {
  ingest = services.ingest();
});

const seen = new Set<string>();

async function call(method: string, path: string, init: RequestInit = {}): Promise<number> {
  const { status, pathname } = await fetchMatchingOpenApi(ingest.url, method, path, init);
  seen.add(`${method} ${pathname} ${status}`);
  return status;
}

const json = (value: unknown, headers: Record<string, string> = {}): RequestInit => ({
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(value),
});
const base64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64');

describe('platform routes: real answers match the OpenAPI document', () => {
  it('Mixpanel /groups: 1 and 0, verbose or not, every refusal', async () => {
    const update = { $token: ingest.apiKey, $group_key: 'org', $group_id: 'm', $set: { a: 1 } };
    const data = encodeURIComponent(base64(update));
    expect(await call('GET', `/groups?ip=0&verbose=0&data=${data}`)).toBe(200);
    expect(await call('GET', `/groups/?verbose=1&data=${data}`)).toBe(200);
    const form = (body: string): RequestInit => ({
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
    expect(await call('POST', '/groups?verbose=1', form(`data=${data}`))).toBe(200);
    expect(await call('POST', '/groups', json([update]))).toBe(200);
    for (const verbose of ['0', '1']) {
      expect(await call('GET', `/groups?verbose=${verbose}`)).toBe(400);
      const wrongKey = encodeURIComponent(base64({ ...update, $token: 'nope' }));
      expect(await call('GET', `/groups?verbose=${verbose}&data=${wrongKey}`)).toBe(401);
      // Erasing through the public token: refused, this project does not allow it (docs/sdks.md).
      const deletion = encodeURIComponent(base64({ ...update, $delete: '' }));
      expect(await call('GET', `/groups?verbose=${verbose}&data=${deletion}`)).toBe(403);
      const tooLarge = form(`data=${'x'.repeat(1_100_000)}`);
      expect(await call('POST', `/groups?verbose=${verbose}`, tooLarge)).toBe(413);
    }
    expect(await call('PUT', '/groups')).toBe(405);
    await waitForVersion(ingest, 'org', 'm', 4);
  });

  it('PostHog capture paths: {"status":1} and every refusal', async () => {
    const event = {
      event: '$groupidentify',
      uuid: '0190a5c4-7d3e-7000-8000-000000000001',
      properties: { $group_type: 'org', $group_key: 'p', $group_set: { a: 1 } },
    };
    const batch = { api_key: ingest.apiKey, batch: [event, { event: '$pageview' }] };
    for (const path of ['/batch/', '/capture/', '/capture', '/e/', '/e', '/i/v0/e/', '/i/v0/e'])
      expect(await call('POST', path, json(batch))).toBe(200);
    const zipped = {
      headers: { 'content-encoding': 'gzip' },
      body: gzipSync(JSON.stringify(batch)),
    };
    expect(await call('POST', '/batch/', zipped)).toBe(200);
    expect(
      await call('POST', '/i/v0/e/?compression=gzip-js', { body: gzipSync(JSON.stringify(batch)) }),
    ).toBe(200);
    expect(await call('POST', '/e/', json({ ...event, api_key: ingest.apiKey }))).toBe(200);
    expect(await call('POST', '/batch/', { body: '{' })).toBe(400);
    expect(await call('POST', '/batch/', json({ ...batch, batch: [{ event: '' }] }))).toBe(400);
    expect(await call('POST', '/batch/', json({ ...batch, api_key: 'nope' }))).toBe(401);
    expect(await call('POST', '/batch/', json({ batch: [event] }))).toBe(401);
    expect(await call('POST', '/batch/', { body: 'x'.repeat(1_100_000) })).toBe(413);
    // posthog-js's gzip (no Content-Encoding) is held to the same 1 MB once inflated.
    const bomb = { body: gzipSync(Buffer.alloc(2 * 1024 * 1024, 0x20)) };
    expect(await call('POST', '/i/v0/e/?compression=gzip-js', bomb)).toBe(413);
    expect(await call('POST', '/e/?compression=lz64', json(batch))).toBe(400);
    expect(await call('GET', '/batch/')).toBe(405);
  });

  it('Segment /v1/batch and /v1/group: {"success":true} and every refusal', async () => {
    const basic = { authorization: `Basic ${Buffer.from(`${ingest.apiKey}:`).toString('base64')}` };
    const group = { type: 'group', userId: 'u', groupId: 's', traits: { a: 1 }, messageId: 'm1' };
    expect(await call('POST', '/v1/batch', json({ batch: [group] }, basic))).toBe(200);
    expect(await call('POST', '/v1/group', json({ ...group, writeKey: ingest.apiKey }))).toBe(200);
    expect(await call('POST', '/v1/batch', json({ batch: [{ type: 'group' }] }, basic))).toBe(400);
    expect(await call('POST', '/v1/batch', { body: '{', headers: basic })).toBe(400);
    expect(await call('POST', '/v1/batch', { body: 'x'.repeat(1_100_000), headers: basic })).toBe(
      400,
    );
    expect(await call('POST', '/v1/batch', json({ batch: [group], writeKey: 'nope' }))).toBe(401);
    expect(await call('GET', '/v1/group')).toBe(405);
    await waitForVersion(ingest, 'company', 's', 1);
  });

  it('reached every documented status but the ones only an outage or a backlog gives', () => {
    expect([...seen].sort()).toEqual(
      expect.arrayContaining([
        'GET /groups 200',
        'GET /groups 400',
        'GET /groups 401',
        'GET /groups 403',
        'POST /groups 413',
        'POST /batch/ 200',
        'POST /batch/ 400',
        'POST /batch/ 401',
        'POST /batch/ 413',
        'POST /v1/batch 200',
        'POST /v1/batch 400',
        'POST /v1/batch 401',
      ]),
    );
  });
});
