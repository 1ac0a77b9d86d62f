import { randomUUID } from 'node:crypto';
import { PostHog, type PostHogOptions } from 'posthog-node';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TestIngest } from '../helpers/ingest.js';
import { startLossyProxy } from '../helpers/lossy-proxy.js';
import { scrapeMetrics, sumOf } from '../helpers/prometheus.js';
import { pollUntil } from '../helpers/services.js';
import { readGroup, useIngestAndWorker, waitForVersion } from '../helpers/worker.js';

// docs/sdks.md: posthog-node's groupIdentify() works with `host` pointed here.
const services = useIngestAndWorker();
let ingest: TestIngest;
beforeAll(() => {
  ingest = services.ingest();
});

const clients: PostHog[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.shutdown(2000)));
});

/** A client with batching on: it sends when `flushAt` events wait, or on flush()/shutdown(). */
function sdk(options: Partial<PostHogOptions> = {}, apiKey = ingest.apiKey): PostHog {
  const client = new PostHog(apiKey, {
    host: ingest.url,
    flushAt: 20,
    flushInterval: 60_000,
    fetchRetryDelay: 50,
    ...options,
  });
  clients.push(client);
  return client;
}

/** How many requests to /batch/ were answered with `status`, from ingest's own metrics. */
const batchAnswers = async (status: string): Promise<number> =>
  sumOf((await scrapeMetrics(ingest.metricsUrl)).samples, 'gi_http_requests_total', {
    route: '/batch/',
    status,
  });

const ignoredPostHogEvents = async (): Promise<number> =>
  sumOf((await scrapeMetrics(ingest.metricsUrl)).samples, 'gi_ignored_events_total', {
    platform: 'posthog',
  });

describe('posthog-node against this service', () => {
  it('groupIdentify() batched (gzip) in order; other events are ignored and counted; shutdown() flushes', async () => {
    const client = sdk({ flushAt: 3 });
    const [a, b] = [randomUUID(), randomUUID()];
    const ignoredBefore = await ignoredPostHogEvents();
    client.groupIdentify({ groupType: 'company', groupKey: a, properties: { plan: 'free', n: 1 } });
    client.capture({ distinctId: 'u1', event: 'signed up', groups: { company: a } });
    client.groupIdentify({ groupType: 'company', groupKey: b, properties: { name: 'B' } });
    // A fourth and fifth event: the first three went as one batch, these wait for shutdown().
    client.groupIdentify({ groupType: 'company', groupKey: a, properties: { plan: 'pro' } });
    client.capture({ distinctId: 'u1', event: '$pageview' });
    await client.shutdown();
    // PostHog documents $group_set as setting each property given: later values win, others stay.
    expect((await waitForVersion(ingest, 'company', a, 2)).properties).toStrictEqual({
      plan: 'pro',
      n: 1,
    });
    expect((await waitForVersion(ingest, 'company', b, 1)).properties).toStrictEqual({
      name: 'B',
    });
    expect(await ignoredPostHogEvents()).toBe(ignoredBefore + 2);
  });

  it('groupIdentifyImmediate() resolves once the group is durably accepted', async () => {
    const client = sdk({ disableCompression: true });
    const org = randomUUID();
    await client.groupIdentifyImmediate({
      groupType: 'team',
      groupKey: org,
      properties: { size: 3, tags: ['a', 'b'], meta: { nested: true } },
    });
    expect((await waitForVersion(ingest, 'team', org, 1)).properties).toStrictEqual({
      size: 3,
      tags: ['a', 'b'],
      meta: { nested: true },
    });
  });

  it('flush() sends what is queued; $group_set_once (raw capture) sets only absent properties', async () => {
    const client = sdk();
    const org = randomUUID();
    client.groupIdentify({ groupType: 'company', groupKey: org, properties: { plan: 'pro' } });
    const setOnce = (properties: object) => {
      client.capture({
        distinctId: `$company_${org}`,
        event: '$groupidentify',
        properties: { $group_type: 'company', $group_key: org, $group_set_once: properties },
      });
    };
    setOnce({ plan: 'free', first_seen: '2026-01-01' });
    setOnce({ first_seen: 'later' });
    expect(await readGroup(ingest, 'company', org)).toBeUndefined(); // still queued in the SDK
    await client.flush();
    expect((await waitForVersion(ingest, 'company', org, 3)).properties).toStrictEqual({
      plan: 'pro',
      first_seen: '2026-01-01',
    });
  });

  it('an invalid project API key: flush() rejects with the 401, the error event fires, nothing applies', async () => {
    const client = sdk({}, 'not-a-key');
    const errors: unknown[] = [];
    client.on('error', (err) => errors.push(err));
    const org = randomUUID();
    client.groupIdentify({ groupType: 'company', groupKey: org, properties: { a: 1 } });
    await expect(client.flush()).rejects.toThrow(/status=401/);
    expect(errors).toHaveLength(1);
    // The SDK drops a batch refused with a 4xx other than 408/413/429, as against PostHog.
    await client.flush();
    expect(errors).toHaveLength(1);
    expect(await readGroup(ingest, 'company', org)).toBeUndefined();
  });

  it('a batch over the per-request limits gets 413: the SDK halves it, and every group applies', async () => {
    const client = sdk({ flushAt: 4 });
    const orgs = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    const refusedBefore = await batchAnswers('413');
    // 4 × 300 property keys: over the 1024 of one request, 600 each once halved.
    const properties = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`p${i}`, i]));
    for (const org of orgs)
      client.groupIdentify({ groupType: 'company', groupKey: org, properties });
    await client.flush();
    expect(await batchAnswers('413')).toBe(refusedBefore + 1);
    for (const org of orgs)
      expect((await waitForVersion(ingest, 'company', org, 1)).properties).toStrictEqual(
        properties,
      );
  });

  it("an SDK retry after a lost answer applies once (the event's uuid is the insert_id)", async () => {
    const proxy = await startLossyProxy(ingest.url, 1);
    try {
      const client = sdk({ host: proxy.url });
      const org = randomUUID();
      client.groupIdentify({ groupType: 'company', groupKey: org, properties: { first: 1 } });
      await client.flush(); // the first answer is lost: the SDK retries the same batch
      expect(proxy.forwarded()).toBe(2);
      client.groupIdentify({ groupType: 'company', groupKey: org, properties: { second: 2 } });
      await client.flush();
      const group = await pollUntil(
        async () => {
          const g = await readGroup(ingest, 'company', org);
          return g?.properties['second'] === 2 ? g : undefined;
        },
        { timeoutMs: 20_000, description: 'the second identification applied' },
      );
      expect(group).toStrictEqual({ properties: { first: 1, second: 2 }, version: 2 });
    } finally {
      await proxy.close();
    }
  });

  it("PostHog's /batch/ and Amplitude's /batch both keep working, each answering its own shape", async () => {
    const org = randomUUID();
    const post = async (path: string, body: unknown) => {
      const res = await fetch(`${ingest.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const amplitude = await post('/batch', {
      api_key: ingest.apiKey,
      events: [
        { event_type: '$groupidentify', groups: { company: org }, group_properties: { a: 1 } },
      ],
    });
    expect(amplitude).toMatchObject({ status: 200, body: { code: 200, events_ingested: 1 } });
    const posthog = await post('/batch/', {
      api_key: ingest.apiKey,
      batch: [
        {
          event: '$groupidentify',
          properties: { $group_type: 'company', $group_key: org, $group_set: { b: 2 } },
        },
      ],
    });
    expect(posthog).toStrictEqual({ status: 200, body: { status: 1 } });
    // Each answers the other's body in its own error shape: neither takes the other's requests.
    expect(await post('/batch', { api_key: ingest.apiKey, batch: [] })).toMatchObject({
      status: 400,
      body: { code: 400, missing_field: 'events' },
    });
    expect(await post('/batch/', { api_key: ingest.apiKey, events: [] })).toMatchObject({
      status: 400,
      body: { type: 'validation_error' },
    });
    expect((await waitForVersion(ingest, 'company', org, 2)).properties).toStrictEqual({
      a: 1,
      b: 2,
    });
  });
});
