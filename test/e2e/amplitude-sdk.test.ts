import { randomUUID } from 'node:crypto';
import { Identify, Types, createInstance } from '@amplitude/analytics-node';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TestIngest } from '../helpers/ingest.js';
import { readGroup, waitForVersion, useIngestAndWorker } from '../helpers/worker.js';

// docs/api.md: the official SDK's groupIdentify() works by pointing serverUrl here.
const services = useIngestAndWorker();
let ingest: TestIngest;
beforeAll(() => {
  ingest = services.ingest();
});

async function sdk(path = '/2/httpapi', apiKey = ingest.apiKey, options: object = {}) {
  const client = createInstance();
  // The SDK's own logging stays quiet; flushMaxRetries keeps failure tests short.
  await client.init(apiKey, {
    serverUrl: `${ingest.url}${path}`,
    flushIntervalMillis: 20,
    logLevel: Types.LogLevel.None,
    flushMaxRetries: 3,
    ...options,
  }).promise;
  return client;
}

describe('@amplitude/analytics-node against this service', () => {
  it('groupIdentify() with every Identify operation, via /2/httpapi', async () => {
    const client = await sdk();
    const org = randomUUID();
    const first = new Identify()
      .set('plan', 'pro')
      .setOnce('first_seen', '2026-01-01')
      .add('seats', 5)
      .append('tags', 'a');
    expect((await client.groupIdentify('org', org, first).promise).code).toBe(200);
    const second = new Identify()
      .setOnce('first_seen', 'later')
      .add('seats', -2)
      .append('tags', ['b', 'c'])
      .prepend('events', 'start')
      .preInsert('tags', 'z')
      .postInsert('list', 'x')
      .remove('tags', 'b')
      .unset('plan');
    expect((await client.groupIdentify('org', org, second).promise).code).toBe(200);
    const { properties } = await waitForVersion(ingest, 'org', org, 2);
    // In one identification the first operation naming a property wins (docs/semantics.md): the
    // $preInsert and $remove of `tags` are skipped after $append took it.
    expect(properties).toStrictEqual({
      first_seen: '2026-01-01',
      seats: 3,
      tags: ['a', 'b', 'c'],
      events: ['start'],
      list: ['x'],
    });
    const third = new Identify().preInsert('tags', 'z').postInsert('tags', 'a');
    await client.groupIdentify('org', org, third).promise;
    const fourth = new Identify().remove('tags', 'b');
    await client.groupIdentify('org', org, fourth).promise;
    expect((await waitForVersion(ingest, 'org', org, 4)).properties['tags']).toStrictEqual([
      'z',
      'a',
      'c',
    ]);
    await client.flush().promise;
  });

  it('clearAll, and an array group name fanning out in order, via /batch (useBatch)', async () => {
    const client = await sdk('/batch', ingest.apiKey, { useBatch: true });
    const [a, b] = [randomUUID(), randomUUID()];
    expect(
      (await client.groupIdentify('team', [a, b], new Identify().set('x', 1).set('y', 2)).promise)
        .code,
    ).toBe(200);
    expect((await client.groupIdentify('team', a, new Identify().clearAll()).promise).code).toBe(
      200,
    );
    expect((await waitForVersion(ingest, 'team', a, 2)).properties).toStrictEqual({});
    expect((await waitForVersion(ingest, 'team', b, 1)).properties).toStrictEqual({ x: 1, y: 2 });
  });

  it('an invalid API key makes the SDK drop the batch', async () => {
    const client = await sdk('/2/httpapi', 'not-a-key');
    const org = randomUUID();
    const result = await client.groupIdentify('org', org, new Identify().set('a', 1)).promise;
    expect(result.code).toBe(400);
    expect(await readGroup(ingest, 'org', org)).toBeUndefined();
  });

  it('a batch mixing $groupidentify with an ordinary event: the update applies, the event is dropped', async () => {
    const client = await sdk('/2/httpapi', ingest.apiKey, {
      flushIntervalMillis: 200,
      flushQueueSize: 100,
    });
    const org = randomUUID();
    const tracked = client.track('clicked', { a: 1 }, { user_id: 'u1' }).promise;
    const grouped = client.groupIdentify('org', org, new Identify().set('mixed', true)).promise;
    const [t, g] = await Promise.all([tracked, grouped]);
    expect(g.code).toBe(200);
    expect(t.code).toBe(400);
    expect((await waitForVersion(ingest, 'org', org, 1)).properties).toStrictEqual({ mixed: true });
  });
});
