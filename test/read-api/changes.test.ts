import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { changesChannel } from '@groupidentify/queue-contract';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ChangeView } from '@groupidentify/store';
import { basic, send } from '../helpers/http.js';
import type { TestIngest } from '../helpers/ingest.js';
import { scrapeMetrics, sumOf } from '../helpers/prometheus.js';
import { pollUntil, redisUrl } from '../helpers/services.js';
import { useIngestAndWorker, waitForVersion } from '../helpers/worker.js';

// The change feed (docs/api.md#change-feed): every applied change, in order per group, resumable
// from any cursor; long poll and Server-Sent Events.
const services = useIngestAndWorker();
let ingest: TestIngest;
beforeAll(() => {
  ingest = services.ingest();
});

interface Page {
  items: ChangeView[];
  next_cursor: string;
}

async function changes(params: Record<string, string>, keys = ingest) {
  const res = await fetch(`${ingest.url}/api/changes?${new URLSearchParams(params).toString()}`, {
    headers: { authorization: basic(keys.apiKey, keys.secretKey) },
  });
  return { status: res.status, body: (await res.json()) as Page & Record<string, unknown> };
}

async function identify(type: string, value: string, gp: object, insertId?: string) {
  const identification = {
    group_type: type,
    group_value: value,
    group_properties: gp,
    ...(insertId === undefined ? {} : { insert_id: insertId }),
  };
  const reply = await send(ingest.url, { json: { api_key: ingest.apiKey, identification } });
  expect(reply.status).toBe(200);
}

/** Every change after `after` of `type`, read in pages of `limit` until none is left. */
async function readAll(type: string, after: string, limit = 2): Promise<Page> {
  const all: ChangeView[] = [];
  let cursor = after;
  for (;;) {
    const page = await changes({ after: cursor, limit: String(limit), group_type: type });
    expect(page.status).toBe(200);
    all.push(...page.body.items);
    cursor = page.body.next_cursor;
    if (page.body.items.length === 0) return { items: all, next_cursor: cursor };
  }
}

const now = async () => (await changes({ after: 'now' })).body.next_cursor;

describe('GET /api/changes', () => {
  it('gives every change in order: create, update, delete; not what changed nothing', async () => {
    const type = `c-${randomUUID()}`;
    const start = await now();
    await identify(type, 'a', { plan: 'free' }, 'i-1');
    await identify(type, 'a', { plan: 'pro', seats: 2 });
    await identify(type, 'a', { plan: 'pro' }); // changes nothing
    await identify(type, 'b', { n: 1 });
    await waitForVersion(ingest, type, 'a', 3);
    await waitForVersion(ingest, type, 'b', 1);
    const all = (await readAll(type, start)).items;
    const of = (value: string) =>
      all
        .filter((c) => c.group_value === value)
        .map((c) => ({ kind: c.kind, version: c.version, changes: c.changes }));
    expect(of('a')).toStrictEqual([
      { kind: 'create', version: 1, changes: { plan: { to: 'free' } } },
      {
        kind: 'update',
        version: 2,
        changes: { plan: { from: 'free', to: 'pro' }, seats: { to: 2 } },
      },
    ]);
    expect(of('b')).toStrictEqual([{ kind: 'create', version: 1, changes: { n: { to: 1 } } }]);
    const first = all.find((c) => c.group_value === 'a');
    expect(first?.insert_id).toBe('i-1');
    expect(Date.parse(first?.applied_at ?? '')).toBeGreaterThanOrEqual(
      Date.parse(first?.accepted_at ?? ''),
    );
  });

  it('resumes after any change’s cursor with exactly what follows it', async () => {
    const type = `r-${randomUUID()}`;
    const start = await now();
    for (let i = 1; i <= 5; i++) await identify(type, 'g', { n: i });
    await waitForVersion(ingest, type, 'g', 5);
    const all = (await readAll(type, start, 10)).items;
    expect(all.map((c) => c.version)).toStrictEqual([1, 2, 3, 4, 5]);
    for (const [i, change] of all.entries()) {
      const rest = (await readAll(type, change.cursor, 2)).items;
      expect(rest.map((c) => c.version)).toStrictEqual(all.slice(i + 1).map((c) => c.version));
    }
  });

  it('keeps only the delete entry of an erased group', async () => {
    const type = `e-${randomUUID()}`;
    const start = await now();
    await identify(type, 'gone', { secret: 'x' });
    await identify(type, 'gone', { secret: 'y' });
    await waitForVersion(ingest, type, 'gone', 2);
    const res = await fetch(`${ingest.url}/api/groups/${type}/gone`, {
      method: 'DELETE',
      headers: { authorization: basic(ingest.apiKey, ingest.secretKey) },
    });
    expect(res.status).toBe(202);
    const entries = await pollUntil(
      async () => {
        const items = (await readAll(type, start, 10)).items;
        return items.some((c) => c.kind === 'delete') ? items : undefined;
      },
      { timeoutMs: 20_000, description: 'the erasure in the feed' },
    );
    expect(entries.map((c) => [c.kind, c.version, c.changes])).toStrictEqual([['delete', 2, {}]]);
    // Erasing it again changes nothing: no second delete entry.
    const again = await fetch(`${ingest.url}/api/groups/${type}/gone`, {
      method: 'DELETE',
      headers: { authorization: basic(ingest.apiKey, ingest.secretKey) },
    });
    expect(again.status).toBe(202);
    await identify(type, 'gone', { back: true });
    const after = await pollUntil(
      async () => {
        const items = (await readAll(type, start, 10)).items;
        return items.some((c) => c.kind === 'create') ? items : undefined;
      },
      { timeoutMs: 20_000, description: 'the new life in the feed' },
    );
    expect(after.map((c) => [c.kind, c.version])).toStrictEqual([
      ['delete', 2],
      ['create', 1],
    ]);
  });

  it('long poll: an empty page waits and answers as soon as a change is applied', async () => {
    const type = `w-${randomUUID()}`;
    const cursor = await now();
    const waiting = changes({ after: cursor, group_type: type, wait_ms: '30000' });
    await pollUntil(
      async () =>
        sumOf((await scrapeMetrics(ingest.metricsUrl)).samples, 'gi_change_waiters', {}) >= 1,
      { timeoutMs: 10_000, description: 'the long poll to wait' },
    );
    const sentAt = Date.now();
    await identify(type, 'late', { woke: true });
    const page = await waiting;
    expect(page.status).toBe(200);
    expect(page.body.items.map((c) => [c.group_value, c.changes])).toStrictEqual([
      ['late', { woke: { to: true } }],
    ]);
    // Woken by the change, not by the end of the wait.
    expect(Date.now() - sentAt).toBeLessThan(25_000);
  });

  it("a page of a rare group_type reads through other types' changes: empty means nothing was left", async () => {
    const common = `common-${randomUUID()}`;
    const rare = `rare-${randomUUID()}`;
    const cursor = await now();
    // 6,000 changes of another type first: more per partition than the notices keep (1,000), so
    // a page from `cursor` reads them from the store, 16 positions a partition at a time.
    for (let request = 0; request < 6; request++) {
      const identification = Array.from({ length: 1000 }, (_, n) => ({
        group_type: common,
        group_value: `g${request}-${n}`,
        group_properties: { n },
      }));
      const reply = await send(ingest.url, { json: { api_key: ingest.apiKey, identification } });
      expect(reply.status).toBe(200);
    }
    await identify(rare, 'only', { a: 1 });
    await waitForVersion(ingest, rare, 'only', 1, 60_000);
    const page = await changes({ after: cursor, group_type: rare, limit: '1' });
    expect(page.status).toBe(200);
    expect(page.body.items.map((c) => [c.group_type, c.group_value])).toStrictEqual([
      [rare, 'only'],
    ]);
  });

  it('an empty page with no wait answers at once with a cursor that still works', async () => {
    const cursor = await now();
    const page = await changes({ after: cursor, group_type: `none-${randomUUID()}` });
    expect(page).toMatchObject({ status: 200, body: { items: [] } });
    expect((await changes({ after: page.body.next_cursor })).status).toBe(200);
  });

  it('refuses another project’s cursor, a made-up one and bad parameters', async () => {
    const other = await ingest.addProject();
    const theirs = (await changes({ after: 'now' }, { ...ingest, ...other })).body.next_cursor;
    for (const after of [theirs, 'garbage', Buffer.from('{"p":1}').toString('base64url')])
      expect(await changes({ after })).toStrictEqual({
        status: 400,
        body: { code: 400, error: 'Invalid cursor' },
      });
    expect((await changes({ wait_ms: '30001' })).body).toMatchObject({
      code: 400,
      field: 'wait_ms',
    });
    expect((await changes({ limit: '0' })).body).toMatchObject({ code: 400, field: 'limit' });
  });
});

/** Reads SSE `change` events from a stream until `count` arrived; then the caller aborts. */
async function streamEvents(
  params: Record<string, string>,
  count: number,
  lastEventId?: string,
): Promise<{ id: string; change: ChangeView }[]> {
  const abort = new AbortController();
  const res = await fetch(
    `${ingest.url}/api/changes/stream?${new URLSearchParams(params).toString()}`,
    {
      headers: {
        authorization: basic(ingest.apiKey, ingest.secretKey),
        ...(lastEventId === undefined ? {} : { 'last-event-id': lastEventId }),
      },
      signal: abort.signal,
    },
  );
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const events: { id: string; change: ChangeView }[] = [];
  let text = '';
  const decoder = new TextDecoder();
  try {
    for await (const chunk of res.body ?? []) {
      text += decoder.decode(chunk as Uint8Array, { stream: true });
      let end: number;
      while ((end = text.indexOf('\n\n')) >= 0) {
        const block = text.slice(0, end);
        text = text.slice(end + 2);
        const id = /^id: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (id !== undefined && data !== undefined)
          events.push({ id, change: JSON.parse(data) as ChangeView });
      }
      if (events.length >= count) break;
    }
  } finally {
    abort.abort();
  }
  return events;
}

describe('the changes in the workers’ notices (docs/guarantees.md#notices)', () => {
  it('come once the feed is read, and a reader at the tail gets every change once', async () => {
    const type = `n-${randomUUID()}`;
    const subscriber = new Redis(redisUrl());
    const carried: unknown[] = [];
    subscriber.on('message', (_channel: string, message: string) => {
      const entries = JSON.parse(message) as { changes?: unknown }[];
      for (const e of entries)
        if (typeof e === 'object' && e.changes !== undefined) carried.push(e);
    });
    await subscriber.subscribe(changesChannel(ingest.config.QUEUE_PREFIX));
    try {
      const start = await now(); // a page served: the workers learn the feed has readers
      let n = 0;
      // The workers look for readers every second; until then notices carry positions only.
      await pollUntil(
        async () => {
          await identify(type, 'g', { n: ++n });
          await waitForVersion(ingest, type, 'g', n);
          return carried.length > 0;
        },
        { timeoutMs: 20_000, intervalMs: 200, description: 'a notice with the changes' },
      );
      // Readers now take them from this ingest's notices: every change, in order, once.
      for (let i = 0; i < 5; i++) await identify(type, 'g', { n: ++n });
      await waitForVersion(ingest, type, 'g', n);
      const all = await readAll(type, start, 3);
      expect(all.items.map((c) => c.version)).toStrictEqual(
        Array.from({ length: n }, (_, i) => i + 1),
      );
    } finally {
      subscriber.disconnect();
    }
  });
});

describe('GET /api/changes/stream', () => {
  it('streams changes with their cursors as ids; Last-Event-ID resumes right after one', async () => {
    const type = `s-${randomUUID()}`;
    const start = await now();
    for (let i = 1; i <= 4; i++) await identify(type, 'g', { n: i });
    await waitForVersion(ingest, type, 'g', 4);
    const first = await streamEvents({ after: start, group_type: type }, 4);
    expect(first.map((e) => e.change.version)).toStrictEqual([1, 2, 3, 4]);
    expect(first.map((e) => e.id)).toStrictEqual(first.map((e) => e.change.cursor));
    const resumed = streamEvents({ group_type: type }, 3, first[1]?.id);
    await identify(type, 'g', { n: 5 }); // arrives live, after the stored ones
    expect((await resumed).map((e) => e.change.version)).toStrictEqual([3, 4, 5]);
  });
});
