import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { cliJson, type CliEnv, cliEnvOf } from '../cli/cli-process.js';
import { deferCleanups } from '../helpers/cleanups.js';
import { startTestIngest, type TestIngest } from '../helpers/ingest.js';
import { pollUntil } from '../helpers/services.js';
import { scrapeMetrics, sumOf } from '../helpers/prometheus.js';

// docs/guarantees.md#rate-limit-per-project: each project's accepted identifications go through a
// token bucket; over it the whole request is 429, nothing of it enqueued, in every dialect.
// One identification a second by default here: a bucket holds 1,024 (one full request) and
// refills one token a second, so that no refill during a test can let a refused request in.

const defer = deferCleanups('all');
let ingest: TestIngest;

beforeAll(async () => {
  ingest = await startTestIngest({ RATE_LIMIT_PER_S: '1', PROJECT_CACHE_TTL_MS: '100' });
  defer(() => ingest.close());
});

interface Keys {
  id: string;
  apiKey: string;
}

const identifications = (n: number, prefix: string) =>
  Array.from({ length: n }, (_, i) => ({
    group_type: 'account',
    group_value: `${prefix}-${i}`,
    group_properties: { n: i },
  }));

function post(keys: Keys, ids: unknown[]): Promise<Response> {
  return fetch(`${ingest.url}/groupidentify`, {
    method: 'POST',
    body: new URLSearchParams({ api_key: keys.apiKey, identification: JSON.stringify(ids) }),
  });
}

/** The group values of `project`'s items queued in every partition. */
async function queuedValues(project: string): Promise<string[]> {
  const partitions = Array.from({ length: ingest.config.PARTITIONS }, (_, p) => ingest.jobs(p));
  return (await Promise.all(partitions))
    .flat()
    .flatMap((job) => job.data.items)
    .filter((item) => item.project === project)
    .map((item) => item.group_value);
}

/** A project of its own whose bucket a full request has just emptied (24 tokens left). */
async function exhaustedProject(): Promise<Keys> {
  const keys = await ingest.addProject();
  expect((await post(keys, identifications(1000, 'fill'))).status).toBe(200);
  return keys;
}

const cliEnv = (): CliEnv => cliEnvOf(ingest);

describe('per-project rate limit', () => {
  it('over it the whole request is 429 with Retry-After and retry_after_ms, nothing enqueued; under it accepted', async () => {
    const keys = await exhaustedProject();
    const refused = await post(keys, identifications(100, 'refused'));
    expect(refused.status).toBe(429);
    const body = (await refused.json()) as Record<string, unknown>;
    expect(body).toEqual({
      code: 429,
      error: 'Too many requests',
      retry_after_ms: expect.any(Number) as unknown,
      reason: "over the project's rate limit of 1 identifications per second",
    });
    // 76 tokens short at one a second: about 76 s, less what refilled since the first request,
    // and less the second the refusal was held before it was answered (RATE_LIMIT_HOLD_MS).
    const retryAfterMs = body['retry_after_ms'] as number;
    expect(retryAfterMs).toBeGreaterThan(1000);
    expect(retryAfterMs).toBeLessThanOrEqual(75_000);
    expect(refused.headers.get('retry-after')).toBe(String(Math.ceil(retryAfterMs / 1000)));
    // A request that fits what is left is accepted.
    expect((await post(keys, identifications(20, 'fits'))).status).toBe(200);
    const queued = await queuedValues(keys.id);
    expect(queued).toHaveLength(1020);
    expect(queued.filter((v) => v.startsWith('refused'))).toEqual([]);
  });

  it('a refusal held when ingest stops is answered at once, retry_after_ms as it came', async () => {
    const stopping = await startTestIngest({ RATE_LIMIT_PER_S: '1', RATE_LIMIT_HOLD_MS: '5000' });
    let closed: Promise<void> | undefined;
    try {
      const send = (ids: unknown[]) =>
        fetch(`${stopping.url}/groupidentify`, {
          method: 'POST',
          body: new URLSearchParams({
            api_key: stopping.apiKey,
            identification: JSON.stringify(ids),
          }),
        });
      expect((await send(identifications(1000, 'fill'))).status).toBe(200);
      const refused = send(identifications(100, 'refused')); // 76 tokens short: held 5 s
      await pollUntil(
        async () =>
          sumOf((await scrapeMetrics(stopping.metricsUrl)).samples, 'gi_rate_limit_held') === 1,
        {
          // Held for 5 s from its arrival: the gauge shows it only that long.
          timeoutMs: 4_500,
          description: 'the refusal to be held (gi_rate_limit_held 1, for the 5 s it is held)',
        },
      );
      closed = stopping.close();
      const answer = await refused;
      expect(answer.status).toBe(429);
      // About 76 s less what refilled since the first request; held its 5 s, it would be 71 s.
      const { retry_after_ms } = (await answer.json()) as { retry_after_ms: number };
      expect(retry_after_ms).toBeGreaterThan(72_000);
      expect(retry_after_ms).toBeLessThanOrEqual(76_000);
    } finally {
      await (closed ?? stopping.close());
    }
  });

  it("one project's empty bucket leaves another project's alone", async () => {
    const noisy = await exhaustedProject();
    expect((await post(noisy, identifications(100, 'more'))).status).toBe(429);
    const quiet = await ingest.addProject();
    expect((await post(quiet, identifications(1024, 'quiet'))).status).toBe(200);
    expect(await queuedValues(quiet.id)).toHaveLength(1024);
  });

  it('a per-project limit set with the CLI takes effect within the key cache TTL, and is listed', async () => {
    const keys = await exhaustedProject();
    expect((await post(keys, identifications(100, 'before'))).status).toBe(429);
    const updated = await cliJson(
      ['project', 'update', '--id', keys.id, '--rate-limit', '1000000'],
      cliEnv(),
    );
    expect(updated).toMatchObject({ id: keys.id, rate_limit_per_s: 1_000_000 });
    // A million a second refills a full request in about a millisecond.
    await pollUntil(async () => (await post(keys, identifications(100, 'after'))).status === 200, {
      timeoutMs: 10_000,
      description: 'the new rate limit to be used',
    });
    const listed = (await cliJson(['project', 'list', '--json'], cliEnv())) as { id: string }[];
    expect(listed.find((p) => p.id === keys.id)).toMatchObject({
      rate_limit_per_s: 1_000_000,
      allow_public_erase: false,
    });
    // Back to the default: refused again once a full bucket is spent.
    await cliJson(['project', 'update', '--id', keys.id, '--rate-limit', 'default'], cliEnv());
    await pollUntil(
      async () => (await post(keys, identifications(1000, 'default'))).status === 429,
      { timeoutMs: 10_000, description: 'the default rate limit to be used again' },
    );
  });
});

describe('per-project rate limit in each platform dialect', () => {
  let keys: Keys;
  beforeAll(async () => {
    keys = await exhaustedProject();
  });

  const groups = (n: number) => Array.from({ length: n }, (_, i) => `dialect-${i}`);

  /** Status, Retry-After and body of a refused request; nothing of it queued. */
  async function refused(res: Response): Promise<unknown> {
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const text = await res.text();
    expect((await queuedValues(keys.id)).filter((v) => v.startsWith('dialect'))).toEqual([]);
    return text.startsWith('{') ? (JSON.parse(text) as unknown) : text;
  }

  const message =
    "Too many requests: over the project's rate limit of 1 identifications per second";

  it('Amplitude HTTP V2 (/2/httpapi): the service error with retry_after_ms', async () => {
    const events = groups(100).map((g) => ({
      event_type: '$groupidentify',
      groups: { account: g },
      group_properties: { $set: { a: 1 } },
    }));
    const res = await fetch(`${ingest.url}/2/httpapi`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ api_key: keys.apiKey, events }),
    });
    expect(await refused(res)).toMatchObject({
      code: 429,
      error: 'Too many requests',
      retry_after_ms: expect.any(Number) as unknown,
    });
  });

  it('Mixpanel /groups: 0, or {"status":0,"error"} with verbose=1', async () => {
    const data = groups(100).map((g) => ({
      $token: keys.apiKey,
      $group_key: 'account',
      $group_id: g,
      $set: { a: 1 },
    }));
    const send = (verbose: string) =>
      fetch(`${ingest.url}/groups?verbose=${verbose}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(data),
      });
    expect(await refused(await send('0'))).toBe('0');
    expect(await refused(await send('1'))).toEqual({ status: 0, error: message });
  });

  it('PostHog /batch/: throttled_error, rate_limited', async () => {
    const batch = groups(100).map((g) => ({
      event: '$groupidentify',
      distinct_id: 'd',
      properties: { $group_type: 'account', $group_key: g, $group_set: { a: 1 } },
    }));
    const res = await fetch(`${ingest.url}/batch/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: gzipSync(JSON.stringify({ api_key: keys.apiKey, batch })),
    });
    expect(await refused(res)).toEqual({
      type: 'throttled_error',
      code: 'rate_limited',
      detail: message,
      attr: null,
    });
  });

  it('Segment /v1/batch: {"success":false,"message"}', async () => {
    const batch = groups(100).map((g) => ({
      type: 'group',
      userId: 'u',
      groupId: g,
      traits: { group_type: 'account', a: 1 },
    }));
    const res = await fetch(`${ingest.url}/v1/batch`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Basic ${Buffer.from(`${keys.apiKey}:`).toString('base64')}`,
      },
      body: JSON.stringify({ batch }),
    });
    expect(await refused(res)).toEqual({ success: false, message });
  });
});
