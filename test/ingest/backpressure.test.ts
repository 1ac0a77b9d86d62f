import { describe, expect, it } from 'vitest';
import { deferCleanups } from '../helpers/cleanups.js';
import { send } from '../helpers/http.js';
import { startTestIngest, type TestIngest } from '../helpers/ingest.js';
import { samplesOf, scrapeMetrics } from '../helpers/prometheus.js';
import { pollUntil } from '../helpers/services.js';

// Backpressure (docs/guarantees.md#backpressure): when the partitions a request writes to lag
// (their oldest waiting job has waited longer than BACKPRESSURE_LAG_MS), its answer waits for the
// excess, after its identifications are enqueued. No worker runs here, so the one partition only
// lags more; what the tests read is whether an answer was held back (ingest's histogram of it),
// never how long anything took.

const defer = deferCleanups('each');

async function metric(ingest: TestIngest, name: string): Promise<number> {
  const { samples } = await scrapeMetrics(ingest.metricsUrl);
  return samplesOf(samples, name).reduce((sum, s) => sum + s.value, 0);
}

const identify = (ingest: TestIngest, value: string) =>
  send(ingest.url, {
    json: {
      api_key: ingest.apiKey,
      identification: { group_type: 'org', group_value: value, group_properties: { a: 1 } },
    },
  });

async function lagging(lagMs: string): Promise<TestIngest> {
  const ingest = await startTestIngest({ PARTITIONS: '1', BACKPRESSURE_LAG_MS: lagMs });
  defer(() => ingest.close());
  expect((await identify(ingest, 'first')).text).toBe('success');
  // The backlog monitor has seen the waiting job grow older than 200 ms.
  await pollUntil(async () => (await metric(ingest, 'gi_partition_oldest_job_age_seconds')) > 0.2, {
    timeoutMs: 10_000,
    description: 'the partition to lag',
  });
  return ingest;
}

describe('backpressure', () => {
  it('holds back the answer to a request for a lagging partition, after enqueueing it', async () => {
    const ingest = await lagging('100');
    const before = await metric(ingest, 'gi_backpressure_delay_seconds_count');
    const reply = await identify(ingest, 'second');
    expect(reply.status).toBe(200);
    expect(reply.text).toBe('success');
    expect(await metric(ingest, 'gi_backpressure_delay_seconds_count')).toBe(before + 1);
    expect(await metric(ingest, 'gi_backpressure_delay_seconds_sum')).toBeGreaterThan(0);
    expect((await ingest.items(0)).map((i) => i.group_value)).toStrictEqual(['first', 'second']);
  });

  it('holds nothing back with BACKPRESSURE_LAG_MS=0', async () => {
    const ingest = await lagging('0');
    expect((await identify(ingest, 'second')).text).toBe('success');
    expect(await metric(ingest, 'gi_backpressure_delay_seconds_count')).toBe(0);
  });
});
