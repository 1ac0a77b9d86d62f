import { setTimeout as delay } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { send } from '../helpers/http.js';
import type { TestIngest } from '../helpers/ingest.js';
import { waitForVersion, useIngestAndWorker } from '../helpers/worker.js';
import { collectionsOf } from '@groupidentify/store/testing';

// docs/guarantees.md freshness, measured (not asserted: timing depends on the machine): accepted → applied
// for a small steady load, from the worker's gi_worker_lag_seconds histogram and, exactly per
// identification, from the history records (received_at → applied_at, where applied_at is the
// start of the job that applied it).

const GROUPS = 100;
const PER_GROUP = 10;
/** Identifications per request, as SDKs batch them (one per request is ~5× slower on FerretDB). */
const PER_REQUEST = 10;
const REQUESTS_PER_SECOND = 20;

const services = useIngestAndWorker();
let ingest: TestIngest;
beforeAll(() => {
  ingest = services.ingest();
});

/** The q-quantile of a Prometheus histogram, interpolated linearly within its bucket. */
function histogramQuantile(buckets: readonly { le: number; count: number }[], q: number): number {
  const total = buckets.at(-1)?.count ?? 0;
  const rank = q * total;
  let previous = { le: 0, count: 0 };
  for (const b of buckets) {
    if (b.count >= rank) {
      if (!Number.isFinite(b.le)) return previous.le;
      const inBucket = b.count - previous.count;
      return inBucket === 0
        ? b.le
        : previous.le + ((b.le - previous.le) * (rank - previous.count)) / inBucket;
    }
    previous = b;
  }
  return Number.NaN;
}

const exactQuantile = (sorted: readonly number[], q: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;

describe('docs/guarantees.md freshness under a small load', () => {
  it('measures accepted → applied for 1000 identifications over 100 groups', async () => {
    const groups = Array.from({ length: GROUPS }, (_, g) => `lag-${g}`);
    const started = performance.now();
    const requests: Promise<number>[] = [];
    for (let k = 0; k < (GROUPS * PER_GROUP) / PER_REQUEST; k++) {
      // Paced at a fixed rate: the wait is the load's schedule, not a stand-in for a condition.
      const due = started + (k * 1000) / REQUESTS_PER_SECOND;
      const wait = due - performance.now();
      if (wait > 0) await delay(wait);
      const identification = Array.from({ length: PER_REQUEST }, (_, i) => ({
        group_type: 'org',
        group_value: groups[(k * PER_REQUEST + i) % GROUPS],
        group_properties: { $add: { n: 1 } },
      }));
      requests.push(
        send(ingest.url, { json: { api_key: ingest.apiKey, identification } }).then(
          (r) => r.status,
        ),
      );
    }
    const statuses = await Promise.all(requests);
    const lastAcceptedAt = performance.now();
    expect(statuses.filter((s) => s !== 200)).toStrictEqual([]);
    for (const g of groups) {
      expect((await waitForVersion(ingest, 'org', g, PER_GROUP, 40_000)).properties).toStrictEqual({
        n: PER_GROUP,
      });
    }
    const drainedMs = performance.now() - lastAcceptedAt;

    const lag = await services.worker().metrics.lagSeconds.get();
    const buckets = lag.values
      .filter((v) => v.metricName === 'gi_worker_lag_seconds_bucket')
      .map((v) => ({ le: Number(v.labels['le']), count: v.value }))
      .sort((a, b) => a.le - b.le);
    const observed = lag.values.find((v) => v.metricName === 'gi_worker_lag_seconds_count');
    expect(observed?.value).toBe(GROUPS * PER_GROUP);

    const history = await collectionsOf(ingest.mongo.db())
      .history.find(
        { project: ingest.projectId },
        { projection: { received_at: 1, applied_at: 1 } },
      )
      .toArray();
    expect(history).toHaveLength(GROUPS * PER_GROUP);
    const exact = history
      .map((h) => h.applied_at.getTime() - h.received_at.getTime())
      .sort((a, b) => a - b);
    const ms = (seconds: number): string => `${(seconds * 1000).toFixed(1)} ms`;
    console.log(
      `[apply-lag] ${GROUPS * PER_GROUP} identifications, ${GROUPS} groups, ` +
        `${REQUESTS_PER_SECOND * PER_REQUEST}/s in requests of ${PER_REQUEST}: gi_worker_lag_seconds p50 ≈ ${ms(histogramQuantile(buckets, 0.5))}, ` +
        `p99 ≈ ${ms(histogramQuantile(buckets, 0.99))} (bucket-interpolated); ` +
        `history received → job start p50 ${exactQuantile(exact, 0.5)} ms, ` +
        `p99 ${exactQuantile(exact, 0.99)} ms, max ${exact.at(-1)} ms; ` +
        `all applied ${drainedMs.toFixed(0)} ms after the last 200`,
    );
  }, 90_000); // FerretDB on a busy machine can take half a minute to drain this load
});
