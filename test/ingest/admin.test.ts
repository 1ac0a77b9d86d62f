import { partitionOf, type QueuedIdentification } from '@groupidentify/queue-contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestIngest, type TestIngest } from '../helpers/ingest.js';
import { assertMatchesOpenApi } from '../helpers/openapi.js';
import { sumOf, scrapeMetrics } from '../helpers/prometheus.js';
import { pollUntil } from '../helpers/services.js';

// docs/console.md operator endpoints: /api/admin/… with `Authorization: Bearer <ADMIN_TOKEN>`,
// absent without ADMIN_TOKEN. No worker runs here, so what is enqueued stays waiting: the backlog
// and the replayed jobs can be looked at.

const TOKEN = 'admin-token-for-the-admin-test';
let ingest: TestIngest;
let withoutToken: TestIngest;
beforeAll(async () => {
  [ingest, withoutToken] = await Promise.all([
    startTestIngest({ ADMIN_TOKEN: TOKEN }),
    startTestIngest(),
  ]);
});
afterAll(async () => {
  await Promise.all([ingest.close(), withoutToken.close()]);
});

interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
}

/** One request to the operator endpoints; its response must be one the OpenAPI document describes. */
async function admin(method: string, path: string, token: string | null = TOKEN): Promise<Answer> {
  const headers: Record<string, string> =
    token === null ? {} : { authorization: `Bearer ${token}` };
  const res = await fetch(`${ingest.url}/api/admin${path}`, { method, headers });
  const text = await res.text();
  assertMatchesOpenApi(
    method,
    new URL(`/api/admin${path}`, ingest.url).pathname,
    res.status,
    res.headers.get('content-type'),
    text,
  );
  return { status: res.status, headers: res.headers, body: JSON.parse(text) as unknown };
}

const basic = (t: TestIngest): string =>
  `Basic ${Buffer.from(`${t.apiKey}:${t.secretKey}`).toString('base64')}`;

/** A group value of this project whose group lands in `partition`. */
function groupIn(partition: number, prefix: string): string {
  for (let n = 0; ; n++) {
    const value = `${prefix}-${n}`;
    const key = { project: ingest.projectId, group_type: 'org', group_value: value };
    if (partitionOf(key, ingest.config.PARTITIONS) === partition) return value;
  }
}

const ENDPOINTS: [string, string][] = [
  ['GET', '/partitions'],
  ['GET', '/dead-letters'],
  ['POST', '/dead-letters/replay'],
  ['POST', '/dead-letters/some-id/replay'],
];

describe('operator endpoints: authentication', () => {
  it('answer 401 with a Bearer challenge without the token, with a wrong one or with project keys', async () => {
    for (const [method, path] of ENDPOINTS) {
      for (const token of [null, 'not-the-admin-token-at-all', `${TOKEN}x`]) {
        const answer = await admin(method, path, token);
        expect(answer.status, `${method} ${path} with ${token}`).toBe(401);
        expect(answer.body).toStrictEqual({ code: 401, error: 'Unauthorized' });
        expect(answer.headers.get('www-authenticate')).toBe('Bearer realm="groupidentify-admin"');
      }
      const res = await fetch(`${ingest.url}/api/admin${path}`, {
        method,
        headers: { authorization: basic(ingest) },
      });
      expect(res.status).toBe(401);
    }
  });

  it('do not exist without ADMIN_TOKEN: 404 to anyone, signed in or not, whatever token it shows', async () => {
    for (const [method, path] of ENDPOINTS) {
      for (const authorization of [basic(withoutToken), `Bearer ${TOKEN}`, undefined]) {
        const res = await fetch(`${withoutToken.url}/api/admin${path}`, {
          method,
          headers: authorization === undefined ? {} : { authorization },
        });
        expect(res.status, `${method} ${path} ${authorization ?? ''}`).toBe(404);
        expect(await res.json()).toStrictEqual({ code: 404, error: 'Not found' });
      }
    }
  });

  it('an unknown operator path is a 404 behind the token, a known one asked wrongly a 405', async () => {
    const unknown = await fetch(`${ingest.url}/api/admin/nope`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(unknown.status).toBe(404);
    const wrongMethod = await admin('GET', '/dead-letters/replay');
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('POST');
  });
});

describe('GET /api/admin/partitions', () => {
  it('gives each partition’s backlog as /metrics does, and how long its oldest job has waited', async () => {
    const partition = 1;
    const value = groupIn(partition, 'backlog');
    const sentAt = Date.now();
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${ingest.url}/groupidentify`, {
        method: 'POST',
        body: new URLSearchParams({
          api_key: ingest.apiKey,
          identification: JSON.stringify({
            group_type: 'org',
            group_value: value,
            group_properties: { n: i },
          }),
        }),
      });
      expect(res.status).toBe(200);
    }
    const jobs = (await ingest.jobs(partition)).length;
    expect(jobs).toBeGreaterThan(0);

    // The monitor counts every second: wait for a count with these jobs, and a lag of a second.
    const figures = await pollUntil(
      async () => {
        const { body } = await admin('GET', '/partitions');
        const row = (body as PartitionsBody).partitions[partition];
        return row !== undefined && row.backlog_jobs === jobs && row.oldest_job_age_seconds >= 1
          ? (body as PartitionsBody)
          : undefined;
      },
      { timeoutMs: 10_000, description: `partition ${partition} counted with its ${jobs} jobs` },
    );
    expect(figures.partitions.map((p) => p.partition)).toStrictEqual([0, 1, 2, 3]);
    for (const p of figures.partitions.filter((p) => p.partition !== partition))
      expect(p).toStrictEqual({
        partition: p.partition,
        backlog_jobs: 0,
        oldest_job_age_seconds: 0,
      });
    const age = figures.partitions[partition]?.oldest_job_age_seconds ?? 0;
    expect(age).toBeLessThanOrEqual((Date.now() - sentAt) / 1000 + 0.1);
    expect(Date.parse(figures.refreshed_at ?? '')).toBeGreaterThan(sentAt);

    const { samples } = await scrapeMetrics(ingest.metricsUrl);
    for (const p of figures.partitions)
      expect(sumOf(samples, 'gi_backlog_jobs', { partition: String(p.partition) })).toBe(
        p.backlog_jobs,
      );
  });
});

interface PartitionsBody {
  refreshed_at: string | null;
  partitions: { partition: number; backlog_jobs: number; oldest_job_age_seconds: number }[];
}

interface DeadLetterBody {
  id: string;
  replayed_at: string | null;
}

describe('dead letters', () => {
  const partition = 2;
  const item = (value: string): QueuedIdentification => ({
    project: ingest.projectId,
    group_type: 'org',
    group_value: value,
    group_properties: { $set: { 'plan.tier': 'gold' } },
    insert_id: `ins-${value}`,
    received_at: Date.parse('2026-01-01T00:00:00Z'),
  });
  const seq = (job: number, index: number) => ({ epoch: 'admin-test', job, index });
  let first: QueuedIdentification;
  let second: QueuedIdentification;

  beforeAll(async () => {
    first = item(groupIn(partition, 'poison-a'));
    second = item(groupIn(partition, 'poison-b'));
    const failedAt = new Date('2026-01-01T00:00:01Z');
    await ingest.store.deadLetters.add(
      partition,
      [{ seq: seq(7, 0), item: first, reason: 'the store refused it' }],
      failedAt,
    );
    await ingest.store.deadLetters.addUnreadableJob(
      partition,
      { epoch: 'admin-test', job: 8 },
      { v: 2 },
      'unreadable job: not a job',
      new Date('2026-01-01T00:00:02Z'),
    );
    await ingest.store.deadLetters.add(
      partition,
      [{ seq: seq(9, 0), item: second, reason: 'the store refused it again' }],
      new Date('2026-01-01T00:00:03Z'),
    );
  });

  const REASONS = [
    'the store refused it',
    'unreadable job: not a job',
    'the store refused it again',
  ];
  const queued = async (): Promise<unknown[]> =>
    (await ingest.jobs(partition)).flatMap((job) => job.data.items);

  it('lists every letter with its reason, oldest failure first, as the CLI does', async () => {
    const answer = await admin('GET', '/dead-letters');
    expect(answer.status).toBe(200);
    expect(answer.headers.get('cache-control')).toBe('no-store');
    const expected = JSON.parse(JSON.stringify(await ingest.store.deadLetters.list())) as unknown;
    expect(answer.body).toStrictEqual({ items: expected, next_cursor: null });
    expect(
      (answer.body as { items: { reason: string }[] }).items.map((l) => l.reason),
    ).toStrictEqual(REASONS);
  });

  it('gives the letters a page at a time (limit, cursor), and refuses a bad page (400)', async () => {
    const pages: string[][] = [];
    let path = '/dead-letters?limit=2';
    for (;;) {
      const answer = await admin('GET', path);
      expect(answer.status).toBe(200);
      const page = answer.body as { items: { reason: string }[]; next_cursor: string | null };
      pages.push(page.items.map((l) => l.reason));
      if (page.next_cursor === null || pages.length > REASONS.length) break;
      path = `/dead-letters?limit=2&cursor=${encodeURIComponent(page.next_cursor)}`;
    }
    expect(pages).toStrictEqual([REASONS.slice(0, 2), REASONS.slice(2)]);
    const notOurs = Buffer.from('[1,"e",2]').toString('base64url');
    for (const [query, field] of [
      ['limit=0', 'limit'],
      ['limit=1001', 'limit'],
      ['cursor=nope', 'cursor'],
      [`cursor=${notOurs}`, 'cursor'],
    ]) {
      const bad = await admin('GET', `/dead-letters?${query}`);
      expect(bad.status, query).toBe(400);
      expect(bad.body, query).toMatchObject({ code: 400, error: 'Invalid parameter', field });
    }
  });

  it('replays one letter onto its partition and marks it', async () => {
    const answer = await admin(
      'POST',
      `/dead-letters/${encodeURIComponent('admin-test:7:0')}/replay`,
    );
    expect(answer.status).toBe(200);
    expect(answer.body).toStrictEqual({
      replayed: [{ id: 'admin-test:7:0', partition, job: expect.any(String) as unknown }],
      skipped: [],
    });
    expect(await queued()).toStrictEqual([first]);
    expect((await ingest.store.deadLetters.get('admin-test:7:0'))?.replayed_at).not.toBeNull();
  });

  it('refuses an unknown letter (404) and an unreadable one (409), enqueueing nothing', async () => {
    const unknown = await admin('POST', '/dead-letters/admin-test:99:0/replay');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ code: 404, error: 'Dead letter not found' });
    const unreadable = await admin('POST', '/dead-letters/admin-test:8:-1/replay');
    expect(unreadable.status).toBe(409);
    expect(unreadable.body).toMatchObject({
      code: 409,
      reason: expect.stringMatching(/unreadable job/) as unknown,
    });
    expect(await queued()).toStrictEqual([first]);
  });

  it('replays all letters not replayed yet, skipping the unreadable; then there is none left', async () => {
    const answer = await admin('POST', '/dead-letters/replay');
    expect(answer.status).toBe(200);
    expect(answer.body).toStrictEqual({
      replayed: [{ id: 'admin-test:9:0', partition, job: expect.any(String) as unknown }],
      skipped: [
        { id: 'admin-test:8:-1', reason: expect.stringMatching(/^unreadable job/) as unknown },
      ],
    });
    expect(await queued()).toStrictEqual([first, second]);

    const again = await admin('POST', '/dead-letters/replay');
    expect((again.body as { replayed: unknown[] }).replayed).toStrictEqual([]);
    expect(await queued()).toHaveLength(2);
    const letters = (await admin('GET', '/dead-letters')).body as { items: DeadLetterBody[] };
    expect(letters.items.map((l) => l.replayed_at !== null)).toStrictEqual([true, false, true]);
  });
});
