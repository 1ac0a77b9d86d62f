import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { basic, send } from '../helpers/http.js';
import type { TestIngest } from '../helpers/ingest.js';
import { instantPassed } from '../helpers/clock.js';
import { useIngestAndWorker, waitForVersion } from '../helpers/worker.js';

// POST /api/groups/lookup (docs/api.md#looking-up-many-groups): many groups in one request, each
// current or as of its own instant, in the order asked; a bad entry is a 400 naming its index.

const services = useIngestAndWorker({ AS_OF_MAX_HISTORY: '3' });
let ingest: TestIngest;
const type = `l-${randomUUID()}`;
/** `after[n]`: an instant after the n-th identification of `acme` and before the next one. */
const after: string[] = [];

beforeAll(async () => {
  ingest = services.ingest();
  after.push(new Date(await instantPassed()).toISOString());
  for (let n = 1; n <= 5; n++) {
    await identify('acme', { n });
    after.push(new Date(await instantPassed()).toISOString());
  }
  await identify('42', { plan: 'pro' });
  await waitForVersion(ingest, type, 'acme', 5);
  await waitForVersion(ingest, type, '42', 1);
});

async function identify(value: string, properties: Record<string, unknown>): Promise<void> {
  const reply = await send(ingest.url, {
    json: {
      api_key: ingest.apiKey,
      identification: { group_type: type, group_value: value, group_properties: properties },
    },
  });
  expect(reply.status).toBe(200);
}

async function lookup(body: unknown, text = JSON.stringify(body)) {
  const res = await fetch(`${ingest.url}/api/groups/lookup`, {
    method: 'POST',
    headers: {
      authorization: basic(ingest.apiKey, ingest.secretKey),
      'content-type': 'application/json',
    },
    body: text,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('POST /api/groups/lookup', () => {
  it('answers each group in the order asked: current, as of its instant, or not found', async () => {
    const res = await lookup({
      groups: [
        { group_type: type, group_value: 'acme', as_of: after[3] },
        { group_type: type, group_value: 'nobody' },
        { group_type: type, group_value: 42 },
        { group_type: type, group_value: 'acme' },
        { group_type: type, group_value: 42, as_of: after[0] },
        { group_type: type, group_value: 'acme', as_of: after[4] },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body).toStrictEqual({
      items: [
        {
          group_type: type,
          group_value: 'acme',
          as_of: after[3],
          found: true,
          properties: { n: 3 },
          // As GET …?as_of= answers: the properties then, the current version.
          version: 5,
        },
        { group_type: type, group_value: 'nobody', found: false },
        {
          group_type: type,
          group_value: '42',
          found: true,
          properties: { plan: 'pro' },
          version: 1,
        },
        { group_type: type, group_value: 'acme', found: true, properties: { n: 5 }, version: 5 },
        // Before its first identification the group did not exist.
        { group_type: type, group_value: '42', as_of: after[0], found: false },
        {
          group_type: type,
          group_value: 'acme',
          as_of: after[4],
          found: true,
          properties: { n: 4 },
          version: 5,
        },
      ],
    });
  });

  it('refuses a bad entry with 400, naming its index and field', async () => {
    const ok = { group_type: type, group_value: 'acme' };
    const cases: [unknown, string][] = [
      [{}, 'groups'],
      [{ groups: [] }, 'groups'],
      [{ groups: Array.from({ length: 1001 }, () => ok) }, 'groups'],
      [{ groups: [ok, 'acme'] }, 'groups[1]'],
      [{ groups: [ok, { group_type: type }] }, 'groups[1].group_value'],
      [{ groups: [{ ...ok, group_type: '' }] }, 'groups[0].group_type'],
      [{ groups: [ok, ok, { ...ok, as_of: 'yesterday' }] }, 'groups[2].as_of'],
      [{ groups: [{ ...ok, asOf: after[1] }] }, 'groups[0].asOf'],
      [{ groups: [{ ...ok, as_of: '' }] }, 'groups[0].as_of'],
      [{ groups: [{ ...ok, as_of: '2026-02-30T00:00:00Z' }] }, 'groups[0].as_of'],
      [null, 'groups'],
      ['x', 'groups'],
    ];
    for (const [body, field] of cases) {
      const res = await lookup(body);
      expect(res.status, field).toBe(400);
      expect(res.body, field).toMatchObject({ code: 400, error: 'Invalid parameter', field });
    }
    // Not JSON at all: named like a JSON body without its groups.
    const broken = await lookup(undefined, '{"groups": [');
    expect(broken).toMatchObject({
      status: 400,
      body: { code: 400, error: 'Invalid parameter', field: 'groups' },
    });
  });

  it('answers 422 naming the entry whose history is too long to rewind', async () => {
    const res = await lookup({
      groups: [
        { group_type: type, group_value: '42' },
        { group_type: type, group_value: 'acme', as_of: after[1] },
      ],
    });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ code: 422, error: 'History too long to rewind' });
    expect(String(res.body['reason'])).toContain('groups[1]');
  });

  it('needs the secret key', async () => {
    const res = await fetch(`${ingest.url}/api/groups/lookup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ groups: [{ group_type: type, group_value: 'acme' }] }),
    });
    expect(res.status).toBe(401);
  });
});
