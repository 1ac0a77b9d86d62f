import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { send, type SendOptions } from '../helpers/http.js';
import { startTestIngest, type TestIngest } from '../helpers/ingest.js';

let ingest: TestIngest;
beforeAll(async () => {
  ingest = await startTestIngest();
});
afterAll(async () => {
  await ingest.close();
});

const valid = { group_type: 'org', group_value: 'acme', group_properties: { plan: 'pro' } };
const KEY = '<key>'; // replaced by the test project's api_key
const form = (params: Record<string, string>): SendOptions => ({
  form: Object.fromEntries(
    Object.entries(params).map(([k, v]) => [k, v === KEY ? ingest.apiKey : v]),
  ),
});
const ids = (value: unknown): string => JSON.stringify(value);

interface ErrorCase {
  name: string;
  request: () => SendOptions;
  status: number;
  body: unknown;
}

// docs/api.md error table, row by row, with the exact bodies; checks run in the table's order.
const cases: ErrorCase[] = [
  {
    name: 'api_key missing',
    request: () => form({ identification: ids(valid) }),
    status: 400,
    body: { code: 400, error: 'Request missing required field', missing_field: 'api_key' },
  },
  {
    name: 'api_key missing wins over identification missing',
    request: () => form({}),
    status: 400,
    body: { code: 400, error: 'Request missing required field', missing_field: 'api_key' },
  },
  {
    name: 'identification missing',
    request: () => form({ api_key: KEY }),
    status: 400,
    body: { code: 400, error: 'Request missing required field', missing_field: 'identification' },
  },
  {
    name: 'identification missing wins over an unknown api_key',
    request: () => form({ api_key: 'nope' }),
    status: 400,
    body: { code: 400, error: 'Request missing required field', missing_field: 'identification' },
  },
  {
    name: 'api_key unknown',
    request: () => form({ api_key: 'nope', identification: ids(valid) }),
    status: 400,
    body: { code: 400, error: 'Invalid API key' },
  },
  {
    name: 'api_key unknown wins over invalid JSON',
    request: () => form({ api_key: 'nope', identification: '{oops' }),
    status: 400,
    body: { code: 400, error: 'Invalid API key' },
  },
  {
    name: 'identification not valid JSON',
    request: () => form({ api_key: KEY, identification: '[{"group_type":' }),
    status: 400,
    body: { code: 400, error: 'Invalid JSON in identification' },
  },
  {
    name: 'one invalid identification among valid ones: all reported, by index',
    request: () =>
      form({
        api_key: KEY,
        identification: ids([valid, { group_type: '', group_value: true, group_properties: [] }]),
      }),
    status: 400,
    body: {
      code: 400,
      error: 'Invalid identification',
      invalid: [
        { index: 1, field: 'group_type', reason: 'must be 1 to 1024 characters' },
        { index: 1, field: 'group_value', reason: 'must be a string or a finite number' },
        { index: 1, field: 'group_properties', reason: 'must be an object' },
      ],
    },
  },
  {
    name: 'empty array',
    request: () => form({ api_key: KEY, identification: '[]' }),
    status: 400,
    body: {
      code: 400,
      error: 'Invalid identification',
      invalid: [{ index: 0, field: 'identification', reason: 'no identifications' }],
    },
  },
  {
    name: 'unknown operator',
    request: () =>
      form({
        api_key: KEY,
        identification: ids({ ...valid, group_properties: { $foo: { a: 1 } } }),
      }),
    status: 400,
    body: {
      code: 400,
      error: 'Invalid identification',
      invalid: [{ index: 0, field: 'group_properties.$foo', reason: 'unknown operation' }],
    },
  },
  {
    name: 'non-numeric $add operand',
    request: () =>
      form({
        api_key: KEY,
        identification: ids({ ...valid, group_properties: { $add: { n: 'x' } } }),
      }),
    status: 400,
    body: {
      code: 400,
      error: 'Invalid identification',
      invalid: [
        {
          index: 0,
          field: 'group_properties.$add.n',
          reason: 'must be a number or a numeric string',
        },
      ],
    },
  },
  {
    name: 'more than 1024 identifications',
    request: () =>
      form({ api_key: KEY, identification: ids(Array.from({ length: 1025 }, () => valid)) }),
    status: 413,
    body: {
      code: 413,
      error: 'Payload too large',
      reason: 'more than 1024 identifications in one request',
    },
  },
  {
    name: 'more than 1024 property keys in total',
    request: () =>
      form({
        api_key: KEY,
        identification: ids([
          {
            ...valid,
            group_properties: Object.fromEntries(
              Array.from({ length: 1000 }, (_, i) => [`p${i}`, i]),
            ),
          },
          {
            ...valid,
            group_properties: {
              $set: Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`q${i}`, i])),
            },
          },
        ]),
      }),
    status: 413,
    body: {
      code: 413,
      error: 'Payload too large',
      reason: 'more than 1024 property keys in one request',
    },
  },
  {
    name: 'a body over 1 MB, refused before parsing',
    request: () => ({ body: 'x'.repeat(1024 * 1024 + 1), contentType: 'application/json' }),
    status: 413,
    body: { code: 413, error: 'Payload too large', reason: 'body over 1048576 bytes' },
  },
  {
    name: 'a gzip body that inflates past 1 MB',
    request: () => ({
      body: 'x'.repeat(5 * 1024 * 1024),
      contentType: 'application/json',
      gzip: true,
    }),
    status: 413,
    body: { code: 413, error: 'Payload too large', reason: 'body over 1048576 bytes' },
  },
];

describe('/groupidentify errors (docs/api.md)', () => {
  it.each(cases)('$name → $status', async ({ request, status, body }) => {
    const reply = await send(ingest.url, request());
    expect(reply.status).toBe(status);
    expect(reply.headers.get('content-type')).toMatch(/^application\/json/);
    expect(reply.json()).toStrictEqual(body);
  });

  it('enqueues nothing of a request with one invalid identification', async () => {
    const before = await allItems();
    const reply = await send(
      ingest.url,
      form({ api_key: KEY, identification: ids([valid, { ...valid, group_type: 5 }]) }),
    );
    expect(reply.status).toBe(400);
    expect(await allItems()).toStrictEqual(before);
  });

  it('text a store cannot keep (a NUL, a lone surrogate) is a 400 naming its field; nothing is enqueued', async () => {
    // Accepted before, such text was refused by the store after the 200, with the valid
    // identifications of its job: lost, without a dead letter.
    const before = await allItems();
    const reply = await send(ingest.url, {
      json: {
        api_key: ingest.apiKey,
        identification: [
          valid,
          { ...valid, group_properties: { note: 'x\u0000y' } },
          { ...valid, group_value: 'acme\ud800' },
        ],
      },
    });
    expect(reply.status).toBe(400);
    expect(reply.json()).toStrictEqual({
      code: 400,
      error: 'Invalid identification',
      invalid: [
        {
          index: 1,
          field: 'group_properties.note',
          reason: 'contains U+0000 (NUL), which cannot be stored',
        },
        {
          index: 2,
          field: 'group_value',
          reason: 'contains a lone UTF-16 surrogate (not valid Unicode)',
        },
      ],
    });
    expect(await allItems()).toStrictEqual(before);
  });

  it.each(['PUT', 'DELETE', 'PATCH'])('%s → 405 with Allow', async (method) => {
    const reply = await send(ingest.url, {
      method,
      ...form({ api_key: KEY, identification: ids(valid) }),
    });
    expect(reply.status).toBe(405);
    expect(reply.headers.get('allow')).toBe('GET, POST');
    expect(reply.json()).toStrictEqual({ code: 405, error: 'Method not allowed' });
  });

  it('a corrupt gzip body is a 4xx with a reason, never a 5xx', async () => {
    const reply = await send(ingest.url, {
      body: Buffer.from('not gzip at all'),
      contentType: 'application/x-www-form-urlencoded',
      headers: { 'content-encoding': 'gzip' },
    });
    expect(reply.status).toBe(400);
    expect(reply.json()).toMatchObject({ code: 400, error: 'Bad request' });
  });

  it('a malformed JSON body is a 400', async () => {
    const reply = await send(ingest.url, { body: '{"api_key": ', contentType: 'application/json' });
    expect(reply.status).toBe(400);
    expect(reply.json()).toStrictEqual({ code: 400, error: 'Invalid JSON body' });
  });

  it('lists at most 100 problems, with the total count', async () => {
    const reply = await send(
      ingest.url,
      form({ api_key: KEY, identification: ids(Array.from({ length: 200 }, () => ({}))) }),
    );
    expect(reply.status).toBe(400);
    const body = reply.json() as { invalid: unknown[]; invalid_count: number };
    expect(body.invalid).toHaveLength(100);
    expect(body.invalid_count).toBe(600);
  });
});

async function allItems(): Promise<unknown[]> {
  const all = await Promise.all(
    Array.from({ length: ingest.config.PARTITIONS }, (_, p) => ingest.items(p)),
  );
  return all.flat();
}
