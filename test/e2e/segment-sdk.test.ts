import { randomUUID } from 'node:crypto';
import { Analytics, type AnalyticsSettings } from '@segment/analytics-node';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TestIngest } from '../helpers/ingest.js';
import { startLossyProxy } from '../helpers/lossy-proxy.js';
import { scrapeMetrics, sumOf } from '../helpers/prometheus.js';
import { pollUntil } from '../helpers/services.js';
import { readGroup, useIngestAndWorker, waitForVersion } from '../helpers/worker.js';

// docs/sdks.md: @segment/analytics-node's group() works with `host` pointed here. This ingest
// runs with SEGMENT_GROUP_TYPE=account, the group_type of calls whose traits name none.
const services = useIngestAndWorker({ SEGMENT_GROUP_TYPE: 'account' });
let ingest: TestIngest;
beforeAll(() => {
  ingest = services.ingest();
});

/** A client with batching on: it sends when `flushAt` calls wait, or on (close and) flush. */
function sdk(settings: Partial<AnalyticsSettings> = {}, writeKey = ingest.apiKey): Analytics {
  return new Analytics({
    writeKey,
    host: ingest.url,
    flushAt: 15,
    flushInterval: 60_000,
    maxRetries: 3,
    ...settings,
  });
}

/** group() as a promise of the error its callback got (undefined when delivered). */
const group = (client: Analytics, params: Parameters<Analytics['group']>[0]) =>
  new Promise<unknown>((resolve) => {
    client.group(params, (err) => resolve(err));
  });

const ignoredSegmentCalls = async (): Promise<number> =>
  sumOf((await scrapeMetrics(ingest.metricsUrl)).samples, 'gi_ignored_events_total', {
    platform: 'segment',
  });

describe('@segment/analytics-node against this service', () => {
  it('group() batched in order; traits.group_type names the type; other calls ignored and counted', async () => {
    const client = sdk({ flushAt: 3 });
    const [a, b] = [randomUUID(), randomUUID()];
    const ignoredBefore = await ignoredSegmentCalls();
    const delivered = [
      group(client, { userId: 'u1', groupId: a, traits: { name: 'A', plan: 'free' } }),
      group(client, { userId: 'u1', groupId: b, traits: { group_type: 'team', size: 3 } }),
    ];
    client.track({ userId: 'u1', event: 'Signed Up' });
    // The first three calls went as one batch; these wait for closeAndFlush().
    delivered.push(group(client, { anonymousId: 'x', groupId: a, traits: { plan: 'pro' } }));
    client.identify({ userId: 'u1', traits: { email: 'u1@example.com' } });
    await client.closeAndFlush();
    expect(await Promise.all(delivered)).toStrictEqual([undefined, undefined, undefined]);
    // Segment's group traits are set on the group: later values win, the others stay.
    expect((await waitForVersion(ingest, 'account', a, 2)).properties).toStrictEqual({
      name: 'A',
      plan: 'pro',
    });
    // traits.group_type chose the type and is not itself a property (docs/sdks.md).
    expect((await waitForVersion(ingest, 'team', b, 1)).properties).toStrictEqual({ size: 3 });
    expect(await readGroup(ingest, 'account', b)).toBeUndefined();
    expect(await ignoredSegmentCalls()).toBe(ignoredBefore + 2);
  });

  it('flush() sends what waits; a group() without traits creates the group', async () => {
    const client = sdk();
    const org = randomUUID();
    const delivered = group(client, { userId: 'u1', groupId: org });
    expect(await readGroup(ingest, 'account', org)).toBeUndefined(); // still queued in the SDK
    await client.flush();
    expect(await delivered).toBeUndefined();
    expect((await waitForVersion(ingest, 'account', org, 1)).properties).toStrictEqual({});
    await client.closeAndFlush();
  });

  it('an invalid write key: the callback and the error event report the 401; nothing applies', async () => {
    const client = sdk({}, 'not-a-key');
    const errors: unknown[] = [];
    client.on('error', (err) => errors.push(err));
    const org = randomUUID();
    const delivered = group(client, { userId: 'u1', groupId: org, traits: { a: 1 } });
    await client.closeAndFlush();
    expect(String(await delivered)).toMatch(/\[401\] Unauthorized/);
    expect(errors).toMatchObject([{ code: 'delivery_failure' }]);
    expect(await readGroup(ingest, 'account', org)).toBeUndefined();
  });

  it('an SDK retry after a lost answer applies once (messageId is the insert_id)', async () => {
    const proxy = await startLossyProxy(ingest.url, 1);
    try {
      const client = sdk({ host: proxy.url });
      const org = randomUUID();
      const delivered = group(client, { userId: 'u1', groupId: org, traits: { first: 1 } });
      await client.flush(); // the first answer is lost: the SDK retries the same batch
      expect(await delivered).toBeUndefined();
      expect(proxy.forwarded()).toBe(2);
      const second = group(client, { userId: 'u1', groupId: org, traits: { second: 2 } });
      await client.closeAndFlush();
      expect(await second).toBeUndefined();
      const applied = await pollUntil(
        async () => {
          const g = await readGroup(ingest, 'account', org);
          return g?.properties['second'] === 2 ? g : undefined;
        },
        { timeoutMs: 20_000, description: 'the second call applied' },
      );
      expect(applied).toStrictEqual({ properties: { first: 1, second: 2 }, version: 2 });
    } finally {
      await proxy.close();
    }
  });

  it('/v1/group takes one call, with the write key in the body instead of Basic auth', async () => {
    const org = randomUUID();
    const post = (body: unknown) =>
      fetch(`${ingest.url}/v1/group`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const ok = await post({ writeKey: ingest.apiKey, userId: 'u', groupId: org, traits: { x: 1 } });
    expect([ok.status, await ok.json()]).toStrictEqual([200, { success: true }]);
    const noKey = await post({ userId: 'u', groupId: org });
    expect(noKey.status).toBe(401);
    expect(await noKey.json()).toStrictEqual({ success: false, message: 'missing write key' });
    expect((await waitForVersion(ingest, 'account', org, 1)).properties).toStrictEqual({ x: 1 });
  });
});
