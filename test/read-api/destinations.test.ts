import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeliveryAttempt } from '@groupidentify/store';
import { basic, send } from '../helpers/http.js';
import { startTestIngest, type TestIngest } from '../helpers/ingest.js';
import { pollUntil } from '../helpers/services.js';
import { useIngestAndWorker, waitForVersion } from '../helpers/worker.js';

// The webhook destinations API (docs/api.md#webhook-destinations): create (the secret shown once),
// list, get with its delivery, pause and resume, delete; each project sees only its own.

// No delivery: what the tests stage and count stays as they left it. The cases below add more
// destinations to one project than the default cap (10); the cap has a case of its own.
const services = useIngestAndWorker(
  { MAX_DESTINATIONS_PER_PROJECT: '100' },
  { DELIVERY_ENABLED: 'false' },
);
let ingest: TestIngest;
/** An ingest with DESTINATIONS_ALLOW_PRIVATE=true. */
let permissive: TestIngest;

beforeAll(async () => {
  ingest = services.ingest();
  permissive = await startTestIngest({ DESTINATIONS_ALLOW_PRIVATE: 'true' });
});
afterAll(async () => {
  await permissive.close();
});

// A public address as an IP literal: no DNS is asked.
const PUBLIC_URL = 'https://8.8.8.8:9/hook';

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

async function api(
  method: string,
  path: string,
  json?: unknown,
  {
    on = ingest,
    keys = on,
  }: { on?: TestIngest; keys?: { apiKey: string; secretKey: string } } = {},
): Promise<Answer> {
  const reply = await send(on.url, {
    method,
    path,
    ...(json === undefined ? {} : { json }),
    headers: { authorization: basic(keys.apiKey, keys.secretKey) },
  });
  return { status: reply.status, body: reply.text === '' ? {} : (reply.json() as Answer['body']) };
}

async function create(body: unknown, on = ingest): Promise<Answer> {
  return api('POST', '/api/destinations', body, { on });
}

describe('/api/destinations', () => {
  it('creates: 201 with the secret, once; the list and the detail never show it', async () => {
    const made = await create({ url: PUBLIC_URL, group_type: 'org', description: 'CRM sync' });
    expect(made.status).toBe(201);
    expect(made.body).toStrictEqual({
      id: expect.stringMatching(/^dst_[0-9a-f]{16}$/) as unknown,
      url: PUBLIC_URL,
      group_type: 'org',
      description: 'CRM sync',
      secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{32}$/) as unknown,
      status: 'active',
      created_at: expect.any(String) as unknown,
      failing_since: null,
    });
    const id = made.body['id'] as string;
    const list = await api('GET', '/api/destinations');
    expect(list.status).toBe(200);
    const listed = (list.body['items'] as Record<string, unknown>[]).find((d) => d['id'] === id);
    const { secret: _secret, ...view } = made.body;
    expect(listed).toStrictEqual(view);
    const detail = await api('GET', `/api/destinations/${id}`);
    expect(detail.status).toBe(200);
    expect(detail.body).not.toHaveProperty('secret');
    expect(JSON.stringify([list.body, detail.body])).not.toContain(made.body['secret'] as string);
  });

  it('lists oldest first; no group_type or description is null', async () => {
    const first = await create({ url: PUBLIC_URL });
    const second = await create({ url: `${PUBLIC_URL}/2`, group_type: null, description: '' });
    expect(second.body).toMatchObject({ group_type: null, description: null });
    const ids = ((await api('GET', '/api/destinations')).body['items'] as { id: string }[]).map(
      (d) => d.id,
    );
    expect(ids.indexOf(first.body['id'] as string)).toBeLessThan(
      ids.indexOf(second.body['id'] as string),
    );
  });

  it('gets a destination with its delivery: pending positions, deliveries, the failure', async () => {
    const type = `d-${randomUUID()}`;
    const made = await create({ url: PUBLIC_URL, group_type: type });
    const id = made.body['id'] as string;
    // Paused, so that no delivery process touches what the test stages.
    expect((await api('PATCH', `/api/destinations/${id}`, { status: 'paused' })).status).toBe(200);
    const fresh = await api('GET', `/api/destinations/${id}`);
    expect(fresh.body).toMatchObject({
      status: 'paused',
      delivered: 0,
      pending: 0,
      last_error: null,
      failing_since: null,
      partitions: [],
      recent: [],
    });

    // Two changes after the destination was made: two feed positions to deliver.
    for (const value of ['a', 'b']) {
      const reply = await send(ingest.url, {
        json: {
          api_key: ingest.apiKey,
          identification: { group_type: type, group_value: value, group_properties: { n: 1 } },
        },
      });
      expect(reply.status).toBe(200);
      await waitForVersion(ingest, type, value, 1);
    }
    await pollUntil(
      async () =>
        (await api('GET', `/api/destinations/${id}`)).body['pending'] === 2 ? true : undefined,
      { timeoutMs: 20_000, description: 'two positions pending' },
    );

    // Delivery state as the deliverer records it: one partition failing since `since`.
    const since = new Date('2026-12-05T10:00:00Z');
    const attempt: DeliveryAttempt = {
      at: new Date('2026-12-05T10:05:00Z'),
      webhook_id: 'msg_1',
      group_type: type,
      version: 1,
      status: 503,
      error: 'HTTP 503: busy',
      duration_ms: 12,
    };
    const state = await ingest.store.destinations.open(id, 3, 0);
    await ingest.store.destinations.advance(state, 0, 4, []);
    await ingest.store.destinations.failed(state, {
      attempt,
      failingSince: since,
      retryAt: new Date('2099-01-01T00:00:00Z'),
      recent: [attempt],
    });
    const detail = await api('GET', `/api/destinations/${id}`);
    expect(detail.status).toBe(200);
    expect(detail.body).toMatchObject({
      id,
      status: 'paused',
      delivered: 4,
      pending: 2,
      last_error: 'HTTP 503: busy',
      failing_since: since.toISOString(),
      partitions: [
        {
          partition: 3,
          position: 0,
          delivered: 4,
          attempts: 1,
          failing_since: since.toISOString(),
          retry_at: '2099-01-01T00:00:00.000Z',
          last_error: 'HTTP 503: busy',
        },
      ],
      recent: [{ ...attempt, at: attempt.at.toISOString() }],
    });

    // Resuming retries at once: the partition's wait ends now.
    const resumed = await api('PATCH', `/api/destinations/${id}`, { status: 'active' });
    expect(resumed.status).toBe(200);
    expect(resumed.body).toMatchObject({ id, status: 'active', delivered: 4 });
    const retryAt = Date.parse(
      (resumed.body['partitions'] as { retry_at: string }[])[0]?.retry_at ?? '',
    );
    expect(retryAt).toBeLessThanOrEqual(Date.now());
    await api('DELETE', `/api/destinations/${id}`);
  });

  it('pauses and resumes; the list shows the status', async () => {
    const id = (await create({ url: PUBLIC_URL })).body['id'] as string;
    const paused = await api('PATCH', `/api/destinations/${id}`, { status: 'paused' });
    expect(paused).toMatchObject({ status: 200, body: { id, status: 'paused' } });
    const items = (await api('GET', '/api/destinations')).body['items'] as Record<
      string,
      unknown
    >[];
    expect(items.find((d) => d['id'] === id)).toMatchObject({ status: 'paused' });
    expect(await api('PATCH', `/api/destinations/${id}`, { status: 'active' })).toMatchObject({
      status: 200,
      body: { status: 'active' },
    });
  });

  it('deletes: 204, then 404 for every method', async () => {
    const id = (await create({ url: PUBLIC_URL })).body['id'] as string;
    const deleted = await api('DELETE', `/api/destinations/${id}`);
    expect(deleted).toStrictEqual({ status: 204, body: {} });
    const gone = { status: 404, body: { code: 404, error: 'Destination not found' } };
    expect(await api('GET', `/api/destinations/${id}`)).toStrictEqual(gone);
    expect(await api('PATCH', `/api/destinations/${id}`, { status: 'active' })).toStrictEqual(gone);
    expect(await api('DELETE', `/api/destinations/${id}`)).toStrictEqual(gone);
    expect(await api('GET', '/api/destinations/dst_0000000000000000')).toStrictEqual(gone);
  });

  it("another project's keys neither see nor change a destination", async () => {
    const id = (await create({ url: PUBLIC_URL })).body['id'] as string;
    const other = await ingest.addProject();
    const as = { keys: other };
    expect((await api('GET', `/api/destinations/${id}`, undefined, as)).status).toBe(404);
    expect((await api('PATCH', `/api/destinations/${id}`, { status: 'paused' }, as)).status).toBe(
      404,
    );
    expect((await api('DELETE', `/api/destinations/${id}`, undefined, as)).status).toBe(404);
    expect((await api('GET', '/api/destinations', undefined, as)).body).toStrictEqual({
      items: [],
    });
    expect((await api('GET', `/api/destinations/${id}`)).body).toMatchObject({ status: 'active' });
  });

  it.each([
    ['a URL of another scheme', { url: 'ftp://8.8.8.8/' }, 'url', 'must be an http or https URL'],
    ['no URL', {}, 'url', 'must be a string of 1 to 2048 characters'],
    [
      'a URL too long',
      { url: `https://8.8.8.8/${'a'.repeat(2048)}` },
      'url',
      'must be a string of 1 to 2048 characters',
    ],
    [
      'a loopback URL',
      { url: 'http://127.0.0.1:9/' },
      'url',
      '127.0.0.1 is a loopback, link-local or private address (DESTINATIONS_ALLOW_PRIVATE=true allows it)',
    ],
    [
      'an unknown field',
      { url: PUBLIC_URL, secret: 'mine' },
      'secret',
      'is not a destination field (url, group_type, description)',
    ],
    [
      'an empty group_type',
      { url: PUBLIC_URL, group_type: '' },
      'group_type',
      'must be a string of 1 to 1024 characters',
    ],
    [
      'a description too long',
      { url: PUBLIC_URL, description: 'd'.repeat(501) },
      'description',
      'must be a string of at most 500 characters',
    ],
  ])('POST with %s: 400 naming the field', async (_what, body, field, reason) => {
    expect(await create(body)).toStrictEqual({
      status: 400,
      body: { code: 400, error: 'Invalid parameter', field, reason },
    });
  });

  it('takes a private URL with DESTINATIONS_ALLOW_PRIVATE=true', async () => {
    const made = await create({ url: 'http://127.0.0.1:9/' }, permissive);
    expect(made).toMatchObject({ status: 201, body: { url: 'http://127.0.0.1:9/' } });
  });

  it.each([
    ['another status', { status: 'failing' }, 'status'],
    ['no status', {}, 'status'],
    ['another field', { status: 'paused', url: PUBLIC_URL }, 'url'],
  ])('PATCH with %s: 400 naming the field', async (_what, body, field) => {
    const id = (await create({ url: PUBLIC_URL })).body['id'] as string;
    const answer = await api('PATCH', `/api/destinations/${id}`, body);
    expect(answer).toMatchObject({ status: 400, body: { code: 400, field } });
    expect((await api('GET', `/api/destinations/${id}`)).body).toMatchObject({ status: 'active' });
  });

  it('MAX_DESTINATIONS_PER_PROJECT=2: the third is 409, paused ones count; a deleted one frees its place', async () => {
    const capped = await startTestIngest({ MAX_DESTINATIONS_PER_PROJECT: '2' });
    try {
      const first = await create({ url: PUBLIC_URL }, capped);
      const second = await create({ url: PUBLIC_URL }, capped);
      expect([first.status, second.status]).toStrictEqual([201, 201]);
      const secondId = second.body['id'] as string;
      const pause = await api(
        'PATCH',
        `/api/destinations/${secondId}`,
        { status: 'paused' },
        {
          on: capped,
        },
      );
      expect(pause.status).toBe(200);
      const refused = {
        status: 409,
        body: {
          code: 409,
          error: 'Too many destinations',
          reason:
            'a project may have at most 2 destinations (paused and failing ones count); delete one first',
        },
      };
      expect(await create({ url: PUBLIC_URL }, capped)).toStrictEqual(refused);
      const listed = (await api('GET', '/api/destinations', undefined, { on: capped })).body;
      expect((listed['items'] as unknown[]).length).toBe(2);
      // Another project has its own.
      const other = await capped.addProject();
      const theirs = await api(
        'POST',
        '/api/destinations',
        { url: PUBLIC_URL },
        {
          on: capped,
          keys: other,
        },
      );
      expect(theirs.status).toBe(201);
      expect(
        (await api('DELETE', `/api/destinations/${secondId}`, undefined, { on: capped })).status,
      ).toBe(204);
      expect((await create({ url: PUBLIC_URL }, capped)).status).toBe(201);
      expect(await create({ url: PUBLIC_URL }, capped)).toStrictEqual(refused);
    } finally {
      await capped.close();
    }
  });

  it('MAX_DESTINATIONS_PER_PROJECT=2: POSTs racing in two ingest services never pass it', async () => {
    const one = await startTestIngest({ MAX_DESTINATIONS_PER_PROJECT: '2' });
    const two = await startTestIngest({
      MAX_DESTINATIONS_PER_PROJECT: '2',
      MONGO_URL: one.config.MONGO_URL,
    });
    try {
      expect((await create({ url: PUBLIC_URL }, one)).status).toBe(201);
      // One place left; six POSTs for it at once, three to each service (each runs two of a
      // project's store reads at a time; they share only the store).
      const answers = await Promise.all(
        [one, two, one, two, one, two].map((on) =>
          api('POST', '/api/destinations', { url: PUBLIC_URL }, { on, keys: one }),
        ),
      );
      const listed = (await api('GET', '/api/destinations', undefined, { on: one })).body;
      const kept = (listed['items'] as { id: string }[]).map((d) => d.id);
      expect(kept.length).toBeLessThanOrEqual(2);
      const made = answers.filter((a) => a.status === 201).map((a) => a.body['id']);
      expect(made.every((id) => kept.includes(id as string))).toBe(true);
      expect(made.length).toBe(kept.length - 1);
      for (const refused of answers.filter((a) => a.status !== 201))
        expect(refused).toMatchObject({ status: 409, body: { error: 'Too many destinations' } });
    } finally {
      await two.close();
      await one.close();
    }
  });

  it('401 without credentials, for every method', async () => {
    for (const [method, path] of [
      ['POST', '/api/destinations'],
      ['GET', '/api/destinations'],
      ['GET', '/api/destinations/dst_0000000000000000'],
      ['PATCH', '/api/destinations/dst_0000000000000000'],
      ['DELETE', '/api/destinations/dst_0000000000000000'],
    ] as const) {
      const reply = await send(ingest.url, {
        method,
        path,
        ...(method === 'GET' ? {} : { json: { url: PUBLIC_URL } }),
      });
      expect(reply.status, `${method} ${path}`).toBe(401);
    }
    expect((await api('GET', '/api/destinations')).status).toBe(200);
  });
});
