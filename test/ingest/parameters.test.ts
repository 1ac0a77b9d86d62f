import { randomUUID } from 'node:crypto';
import { partitionOf, type QueuedIdentification } from '@groupidentify/queue-contract';
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

/** A fresh group per test, so its partition holds only that test's items. */
function group(): { group_type: string; group_value: string } {
  return { group_type: 'org', group_value: randomUUID() };
}

async function queued(g: {
  group_type: string;
  group_value: string;
}): Promise<QueuedIdentification[]> {
  const partition = partitionOf({ project: ingest.projectId, ...g }, ingest.config.PARTITIONS);
  return (await ingest.items(partition)).filter((i) => i.group_value === g.group_value);
}

async function expectAccepted(options: SendOptions): Promise<void> {
  const reply = await send(ingest.url, options);
  expect(reply.text).toBe('success');
  expect(reply.status).toBe(200);
}

describe('parameter sources (docs/api.md)', () => {
  it('form body', async () => {
    const g = group();
    await expectAccepted({
      form: {
        api_key: ingest.apiKey,
        identification: JSON.stringify([{ ...g, group_properties: { a: 1 } }]),
      },
    });
    expect(await queued(g)).toMatchObject([{ ...g, group_properties: { a: 1 } }]);
  });

  it('JSON body with identification as a JSON string', async () => {
    const g = group();
    await expectAccepted({
      json: {
        api_key: ingest.apiKey,
        identification: JSON.stringify({ ...g, group_properties: { a: 2 } }),
      },
    });
    expect(await queued(g)).toMatchObject([{ group_properties: { a: 2 } }]);
  });

  it('JSON body with identification already parsed', async () => {
    const g = group();
    await expectAccepted({
      json: { api_key: ingest.apiKey, identification: [{ ...g, group_properties: { a: 3 } }] },
    });
    expect(await queued(g)).toMatchObject([{ group_properties: { a: 3 } }]);
  });

  it('query string, with GET', async () => {
    const g = group();
    await expectAccepted({
      method: 'GET',
      query: {
        api_key: ingest.apiKey,
        identification: JSON.stringify({ ...g, group_properties: { a: 4 } }),
      },
    });
    expect(await queued(g)).toMatchObject([{ group_properties: { a: 4 } }]);
  });

  it('the form body wins over the query string, per parameter', async () => {
    const g = group();
    const other = group();
    await expectAccepted({
      form: { identification: JSON.stringify({ ...g, group_properties: { from: 'form' } }) },
      query: {
        api_key: ingest.apiKey,
        identification: JSON.stringify({ ...other, group_properties: {} }),
      },
    });
    expect(await queued(g)).toMatchObject([{ group_properties: { from: 'form' } }]);
    expect(await queued(other)).toStrictEqual([]);
  });

  it('gzip-encoded form and JSON bodies', async () => {
    const g = group();
    await expectAccepted({
      gzip: true,
      form: {
        api_key: ingest.apiKey,
        identification: JSON.stringify({ ...g, group_properties: { z: 1 } }),
      },
    });
    await expectAccepted({
      gzip: true,
      json: { api_key: ingest.apiKey, identification: { ...g, group_properties: { z: 2 } } },
    });
    expect((await queued(g)).map((i) => i.group_properties)).toStrictEqual([{ z: 1 }, { z: 2 }]);
  });

  it('a body without content type is sniffed (curl --data-binary)', async () => {
    const g = group();
    const text = new URLSearchParams({
      api_key: ingest.apiKey,
      identification: JSON.stringify({ ...g, group_properties: { s: 1 } }),
    });
    await expectAccepted({ body: text.toString(), contentType: 'text/plain' });
    await expectAccepted({
      body: JSON.stringify({
        api_key: ingest.apiKey,
        identification: { ...g, group_properties: { s: 2 } },
      }),
    });
    expect((await queued(g)).map((i) => i.group_properties)).toStrictEqual([{ s: 1 }, { s: 2 }]);
  });
});

describe('shapes real forwarders send', () => {
  it('a single object, a numeric group_value, extra keys, junk form fields', async () => {
    const value = Math.floor(Math.random() * 1e9);
    await expectAccepted({
      form: {
        api_key: ingest.apiKey,
        options: 'undefined',
        identification: JSON.stringify({
          group_type: 'org',
          group_value: value,
          group_properties: { a: 1 },
          library: 'segment',
        }),
      },
    });
    const items = await queued({ group_type: 'org', group_value: String(value) });
    expect(items).toHaveLength(1);
    expect(items[0]).not.toHaveProperty('library');
    expect(items[0]?.group_value).toBe(String(value));
  });

  it('insert_id travels with its item; strings are truncated to 1024 characters at any depth', async () => {
    const g = group();
    const long = 'é'.repeat(2000);
    await expectAccepted({
      json: {
        api_key: ingest.apiKey,
        identification: [
          { ...g, insert_id: 'abc-1', group_properties: { $set: { s: long, n: [{ d: long }] } } },
        ],
      },
    });
    const [item] = await queued(g);
    expect(item?.insert_id).toBe('abc-1');
    expect(item?.group_properties).toStrictEqual({
      $set: { s: 'é'.repeat(1024), n: [{ d: 'é'.repeat(1024) }] },
    });
    expect(item?.project).toBe(ingest.projectId);
    expect(item?.received_at).toBeGreaterThan(Date.now() - 60_000);
  });

  it('keeps property names such as __proto__, a.b and $x exactly', async () => {
    const g = group();
    const identification = `{"group_type":"org","group_value":"${g.group_value}","group_properties":{"__proto__":{"x":1},"$set":{"a.b":1,"$x":2}}}`;
    await expectAccepted({ form: { api_key: ingest.apiKey, identification } });
    const [item] = await queued(g);
    expect(JSON.stringify(item?.group_properties)).toBe(
      '{"__proto__":{"x":1},"$set":{"a.b":1,"$x":2}}',
    );
  });
});
