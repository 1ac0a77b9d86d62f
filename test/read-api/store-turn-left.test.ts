import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basic } from '../helpers/http.js';
import { startTestIngest, withDatabase, type TestIngest } from '../helpers/ingest.js';
import { scrapeMetrics, sumOf } from '../helpers/prometheus.js';
import { mongoUrl, pollUntil, uniqueName } from '../helpers/services.js';
import { startWireHoldProxy, type WireHoldProxy } from '../helpers/wire-hold-proxy.js';

// STORE_READS_PER_PROJECT (docs/guarantees.md#store-reads-per-project): a read whose client leaves
// while it waits in line for its project's store turn is dropped, never sent to the store. The
// store is reached through a proxy that holds the reply to one read, so that read keeps the
// project's only turn for as long as the test needs; which reads reached the store is what the
// proxy saw go by.
let proxy: WireHoldProxy;
let ingest: TestIngest;

beforeAll(async () => {
  proxy = await startWireHoldProxy(mongoUrl());
  ingest = await startTestIngest({
    MONGO_URL: withDatabase(proxy.via(mongoUrl()), uniqueName('turns')),
    STORE_READS_PER_PROJECT: '1',
  });
});
afterAll(async () => {
  proxy.release();
  await ingest.close();
  await proxy.close();
});

describe("a read waiting for its project's store turn", () => {
  it('is dropped when its client leaves, and the reads behind it go on', async () => {
    const auth = { authorization: basic(ingest.apiKey, ingest.secretKey) };
    const read = (value: string, signal?: AbortSignal) =>
      fetch(`${ingest.url}/api/groups/team/${value}`, {
        headers: auth,
        ...(signal === undefined ? {} : { signal }),
      });
    const waitingInLine = async () =>
      sumOf((await scrapeMetrics(ingest.metricsUrl)).samples, 'gi_read_turn_waiting');
    const holding = `holding-${randomUUID()}`;
    const leaving = `leaving-${randomUUID()}`;
    const after = `after-${randomUUID()}`;

    // The first read takes the project's only turn and keeps it: its reply is held.
    proxy.holdRepliesTo(holding);
    const first = read(holding);
    await pollUntil(() => Promise.resolve(proxy.held() === 1), {
      timeoutMs: 10_000,
      description: "the first read's store reply held",
    });
    const leave = new AbortController();
    const second = read(leaving, leave.signal).catch((error: unknown) => error);
    await pollUntil(async () => (await waitingInLine()) === 1, {
      timeoutMs: 10_000,
      description: 'the second read waiting in line for the turn',
    });
    leave.abort();
    expect(await second).toMatchObject({ name: 'AbortError' });
    await pollUntil(async () => (await waitingInLine()) === 0, {
      timeoutMs: 10_000,
      description: 'the second read gone from the line once its client left',
    });

    const third = read(after);
    proxy.release();
    expect((await first).status).toBe(404);
    expect((await third).status).toBe(404);
    expect(proxy.sent(holding)).toBe(true);
    expect(proxy.sent(after)).toBe(true);
    // The third read was in line behind the second: had the second stayed, it was read first.
    expect(proxy.sent(leaving)).toBe(false);
  });
});
