import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { MongoClient } from 'mongodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { freePort, startRedis } from '@groupidentify/local-services';
import { openPartitionQueue, partitionOf, type QueuedItem } from '@groupidentify/queue-contract';
import { postOnce, spawnIngestMain, type RawOutcome } from '../helpers/child-ingest.js';
import { startTestIngest, withDatabase, type TestIngest } from '../helpers/ingest.js';
import { scrapeMetrics, samplesOf, sumOf } from '../helpers/prometheus.js';
import { mongoUrl, pollUntil, redisUrl, uniqueName } from '../helpers/services.js';
import { deferCleanups } from '../helpers/cleanups.js';
import { basic } from '../helpers/http.js';

// docs/operations.md: health, readiness, metrics, backpressure, method refusal, graceful SIGTERM and config
// validation of the ingest process.

const dir = mkdtempSync(join(tmpdir(), 'groupidentify-operations-'));
const defer = deferCleanups('all');
defer(() => rmSync(dir, { recursive: true, force: true })); // registered first: runs last
let ingest: TestIngest;

beforeAll(async () => {
  ingest = await startTestIngest();
  defer(() => ingest.close());
});

const identification = (group: string, props: Record<string, unknown> = { n: 1 }) => ({
  group_type: 'account',
  group_value: group,
  group_properties: props,
});

async function post(target: TestIngest, ids: unknown[]): Promise<Response> {
  return fetch(`${target.url}/groupidentify`, {
    method: 'POST',
    body: new URLSearchParams({ api_key: target.apiKey, identification: JSON.stringify(ids) }),
  });
}

async function readyz(url: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${url}/readyz`);
  return { status: res.status, body: await res.json() };
}

describe('health and readiness', () => {
  it('GET /healthz answers 200', async () => {
    const res = await fetch(`${ingest.url}/healthz`);
    expect(res.status).toBe(200);
  });

  it('GET /readyz is 200 with both checks true', async () => {
    expect(await readyz(ingest.url)).toEqual({
      status: 200,
      body: { status: 'ready', checks: { redis: true, mongo: true } },
    });
  });

  it('GET /readyz is 503 while its Redis is stopped, and 200 again once it is back', async () => {
    const redis = await startRedis({ dir: join(dir, 'readyz-redis') });
    defer(() => redis.stop());
    const own = await startTestIngest({ REDIS_URL: redis.url });
    defer(async () => {
      await redis.start(); // its teardown needs Redis
      await own.close();
    });
    expect((await readyz(own.url)).status).toBe(200);
    await redis.stop();
    expect(await readyz(own.url)).toEqual({
      status: 503,
      body: { status: 'not ready', checks: { redis: false, mongo: true } },
    });
    expect((await fetch(`${own.url}/healthz`)).status).toBe(200); // up, just not ready
    await redis.start();
    await pollUntil(async () => (await readyz(own.url)).status === 200, {
      timeoutMs: 15_000,
      description: '/readyz to be 200 again',
    });
  });
});

describe('GET /metrics', () => {
  it('is on its own port, not the public one (METRICS_PORT)', async () => {
    expect((await fetch(`${ingest.url}/metrics`)).status).toBe(404);
    expect(ingest.metricsUrl).toBeDefined();
    expect(ingest.metricsUrl).not.toContain(`:${ingest.service.port}/`);
    expect((await fetch(String(ingest.metricsUrl))).status).toBe(200);
    const off = await startTestIngest({ METRICS_PORT: '0' });
    defer(() => off.close());
    expect(off.metricsUrl).toBeUndefined();
    expect((await fetch(`${off.url}/metrics`)).status).toBe(404);
  });

  it('is Prometheus text with the request, accepted, enqueue and backlog metrics', async () => {
    const res = await fetch(String(ingest.metricsUrl));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    for (const name of [
      'gi_http_requests_total',
      'gi_identifications_accepted_total',
      'gi_enqueue_duration_seconds',
      'gi_backlog_jobs',
    ]) {
      expect(text).toMatch(new RegExp(`^# TYPE ${name} (counter|gauge|histogram)$`, 'm'));
    }
  });

  it('counts accepted identifications, enqueue timings and requests by status', async () => {
    const before = (await scrapeMetrics(ingest.metricsUrl)).samples;
    const ids = ['m-1', 'm-2', 'm-3'].map((g) => identification(g));
    expect((await post(ingest, ids)).status).toBe(200);
    expect((await post(ingest, [identification('')])).status).toBe(400); // nothing accepted
    const after = (await scrapeMetrics(ingest.metricsUrl)).samples;
    const delta = (name: string, labels: Record<string, string> = {}) =>
      sumOf(after, name, labels) - sumOf(before, name, labels);
    expect(delta('gi_identifications_accepted_total')).toBe(3);
    expect(delta('gi_enqueue_duration_seconds_count')).toBe(1);
    expect(delta('gi_enqueue_duration_seconds_sum')).toBeGreaterThan(0);
    const route = { route: '/groupidentify' };
    expect(delta('gi_http_requests_total', { ...route, status: '200' })).toBe(1);
    expect(delta('gi_http_requests_total', { ...route, status: '400' })).toBe(1);
    // Read API routes are counted by their pattern, never by the group named.
    const auth = basic(ingest.apiKey, ingest.secretKey);
    for (const value of ['Acme', 'Globex'])
      await fetch(`${ingest.url}/api/groups/org/${value}`, { headers: { authorization: auth } });
    const later = (await scrapeMetrics(ingest.metricsUrl)).samples;
    const read = samplesOf(later, 'gi_http_requests_total').filter((s) =>
      (s.labels['route'] ?? '').startsWith('/api/groups/'),
    );
    expect(read.map((s) => s.labels['route'])).toStrictEqual(['/api/groups/:type/:value']);
    const partitions = samplesOf(after, 'gi_backlog_jobs').map((s) => s.labels['partition']);
    expect(partitions.sort()).toEqual(['0', '1', '2', '3']);
  });
});

describe('backpressure', () => {
  it('answers 429 with Retry-After for a partition whose backlog is over MAX_BACKLOG', async () => {
    const own = await startTestIngest({ MAX_BACKLOG: '1' });
    defer(() => own.close());
    const hot = 'hot-group';
    const partition = partitionOf(
      { project: own.projectId, group_type: 'account', group_value: hot },
      own.config.PARTITIONS,
    );
    // One at a time: each request is its own flush, so its own job (nothing consumes them).
    for (const n of [1, 2])
      expect((await post(own, [identification(hot, { n })])).status).toBe(200);
    expect(await own.jobs(partition)).toHaveLength(2);
    // The monitor refreshes its cached counts every second; its gauge shows what it saw.
    await pollUntil(
      async () => {
        const { samples } = await scrapeMetrics(own.metricsUrl);
        return sumOf(samples, 'gi_backlog_jobs', { partition: String(partition) }) > 1;
      },
      { timeoutMs: 10_000, description: 'the backlog monitor to see 2 waiting jobs' },
    );
    const res = await post(own, [identification(hot, { n: 3 })]);
    expect(res.status).toBe(429);
    const body = (await res.json()) as { retry_after_seconds: unknown };
    expect(body).toEqual({
      code: 429,
      error: 'Too many requests',
      retry_after_seconds: expect.any(Number) as unknown,
    });
    expect(res.headers.get('retry-after')).toBe(String(body.retry_after_seconds));
    expect(await own.jobs(partition)).toHaveLength(2); // the refused request enqueued nothing

    // Backpressure is per partition: a group elsewhere is still accepted.
    const partitionOfGroup = (g: string) =>
      partitionOf(
        { project: own.projectId, group_type: 'account', group_value: g },
        own.config.PARTITIONS,
      );
    const cold = Array.from({ length: 100 }, (_, i) => `cold-${i}`).find(
      (g) => partitionOfGroup(g) !== partition,
    );
    expect((await post(own, [identification(cold ?? 'cold')])).status).toBe(200);
  });
});

describe('methods', () => {
  it.each(['PUT', 'DELETE'])('%s /groupidentify is 405 with a JSON body and Allow', async (m) => {
    const res = await fetch(`${ingest.url}/groupidentify`, { method: m });
    expect(res.status).toBe(405);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toMatchObject({ code: 405, error: expect.any(String) as unknown });
    const allow = (res.headers.get('allow') ?? '').split(',').map((s) => s.trim());
    expect(allow.sort()).toEqual(['GET', 'POST']);
  });
});

describe('the ingest process (main.ts)', () => {
  it('on SIGTERM finishes the requests in flight, enqueues them, and exits 0 within 30 s', async () => {
    const prefix = uniqueName('gi_sigterm');
    const database = uniqueName('sigterm');
    const mongo = await MongoClient.connect(withDatabase(mongoUrl(), database));
    const inspector = new Redis(redisUrl(), { maxRetriesPerRequest: null });
    const queues = [0, 1, 2, 3].map((p) => openPartitionQueue(inspector, prefix, p));
    defer(async () => {
      await Promise.all(queues.map((q) => q.obliterate({ force: true })));
      await Promise.all(queues.map((q) => q.close()));
      inspector.disconnect();
      await mongo.db().dropDatabase();
      await mongo.close();
    });
    const projects = mongo
      .db()
      .collection<{ _id: string; name: string; api_key: string }>('projects');
    const apiKey = uniqueName('key');
    await projects.insertOne({ _id: 'p1', name: 'sigterm test', api_key: apiKey });

    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const metricsPort = await freePort();
    const proc = spawnIngestMain({
      REDIS_URL: redisUrl(),
      MONGO_URL: withDatabase(mongoUrl(), database),
      PORT: String(port),
      METRICS_PORT: String(metricsPort),
      HOST: '127.0.0.1',
      QUEUE_PREFIX: prefix,
      PARTITIONS: '4',
      LOG_LEVEL: 'info',
      // Requests wait this long in the group committer: SIGTERM finds them in flight.
      FLUSH_LINGER_MS: '500',
    });
    defer(() => proc.kill());
    const body = (group: string) =>
      new URLSearchParams({
        api_key: apiKey,
        identification: JSON.stringify(identification(group)),
      }).toString();
    const send = (group: string) =>
      postOnce(`${url}/groupidentify`, 'application/x-www-form-urlencoded', body(group));

    await pollUntil(async () => (await fetch(`${url}/healthz`)).ok, {
      timeoutMs: 30_000,
      description: `main.ts to answer /healthz (${proc.stderr()})`,
      abortIf: () => (proc.child.exitCode === null ? undefined : new Error(proc.stderr())),
    });
    expect(await send('warm-up')).toEqual({ status: 200, body: 'success' });

    // Wave 1: requests the server has accepted (their sockets show in its handle count).
    const sockets = async () =>
      sumOf(
        (await scrapeMetrics(`http://127.0.0.1:${metricsPort}/metrics`)).samples,
        'nodejs_active_handles',
        { type: 'Socket' },
      );
    const baseline = await sockets();
    const wave1Groups = Array.from({ length: 20 }, (_, i) => `in-flight-${i}`);
    const wave1 = wave1Groups.map(send);
    await pollUntil(async () => (await sockets()) >= baseline + wave1Groups.length, {
      timeoutMs: 10_000,
      description: 'the server to hold the 20 requests',
    });
    proc.child.kill('SIGTERM');
    const signalledAt = Date.now();
    // Wave 2: requests racing the shutdown.
    const wave2Groups = Array.from({ length: 20 }, (_, i) => `racing-${i}`);
    const wave2 = wave2Groups.map(send);

    const wave1Outcomes = await Promise.all(wave1);
    const wave2Outcomes = await Promise.all(wave2);
    const exit = await Promise.race([
      proc.exited,
      new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 30_000).unref()),
    ]);
    const exitMs = Date.now() - signalledAt;
    const logs = `stdout:\n${proc.stdout()}\nstderr:\n${proc.stderr()}`;
    expect(exit, logs).toEqual({ code: 0, signal: null });

    for (const outcome of wave1Outcomes) expect(outcome).toEqual({ status: 200, body: 'success' });
    // A racing request is accepted, or refused: ECONNREFUSED once the listener is closed, or
    // ECONNRESET when the kernel had queued its connection just before. Refused ones must not be
    // enqueued (checked below: what is queued is exactly what got a 200).
    const racingOutcomes = [
      { status: 200, body: 'success' },
      { error: 'ECONNREFUSED' },
      { error: 'ECONNRESET' },
    ];
    for (const outcome of wave2Outcomes) expect(racingOutcomes).toContainEqual(outcome);
    const sent = [...wave1Groups, ...wave2Groups];
    const outcomes: RawOutcome[] = [...wave1Outcomes, ...wave2Outcomes];
    const accepted = sent.filter((_, i) => outcomes[i] !== undefined && 'status' in outcomes[i]);
    const items: QueuedItem[] = (await Promise.all(queues.map((q) => q.getJobs(['wait'])))).flatMap(
      (jobs) => jobs.flatMap((j) => j.data.items),
    );
    const queued = items.map((i) => i.group_value).filter((g) => g !== 'warm-up');
    expect(queued.sort()).toEqual(accepted.sort());
    const refused = wave2Outcomes.filter((o) => 'error' in o).length;
    console.info(
      `[operations] SIGTERM: exit 0 after ${exitMs} ms; ${accepted.length} accepted ` +
        `(20 in flight + ${20 - refused} racing), ${refused} refused connections`,
    );
  });

  it('refuses to start with PARTITIONS=abc, naming PARTITIONS on stderr', async () => {
    const proc = spawnIngestMain({
      REDIS_URL: redisUrl(),
      MONGO_URL: withDatabase(mongoUrl(), uniqueName('badconfig')),
      PORT: String(await freePort()),
      PARTITIONS: 'abc',
    });
    defer(() => proc.kill());
    const exit = await proc.exited;
    expect(exit.code).not.toBe(0);
    expect(exit.code).not.toBeNull();
    expect(proc.stderr()).toMatch(/PARTITIONS/);
    expect(proc.stderr()).toMatch(/invalid configuration/);
  });
});
