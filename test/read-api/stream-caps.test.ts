import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basic } from '../helpers/http.js';
import { startTestIngest, type TestIngest } from '../helpers/ingest.js';
import { pollUntil } from '../helpers/services.js';

// Open change streams and long polls are capped per project and per ingest process
// (docs/guarantees.md#streams-and-long-polls): one more is refused at once with 429.

interface Keys {
  apiKey: string;
  secretKey: string;
}

/** Requests this file opened and has not ended: aborted after each test. */
const open: AbortController[] = [];

/** A long poll (`wait_ms` 30 s) of `keys`' project; resolves with its response when answered. */
function longPoll(ingest: TestIngest, keys: Keys, waitMs = 30_000): Promise<Response> {
  const abort = new AbortController();
  open.push(abort);
  return handled(
    fetch(`${ingest.url}/api/changes?after=now&wait_ms=${waitMs}`, {
      headers: { authorization: basic(keys.apiKey, keys.secretKey) },
      signal: abort.signal,
    }),
  );
}

/** An SSE stream of `keys`' project; resolves once its headers came. */
function stream(ingest: TestIngest, keys: Keys): Promise<Response> {
  const abort = new AbortController();
  open.push(abort);
  return handled(
    fetch(`${ingest.url}/api/changes/stream?after=now`, {
      headers: { authorization: basic(keys.apiKey, keys.secretKey) },
      signal: abort.signal,
    }),
  );
}

/** Held requests end by abort: their rejection is expected (whoever awaits one still sees it). */
function handled<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

function endAll(): void {
  for (const abort of open.splice(0)) abort.abort();
}

/** Waits until a quick long poll (`wait_ms` 1) of `keys` answers `status`. */
async function untilPollAnswers(ingest: TestIngest, keys: Keys, status: number) {
  return pollUntil(
    async () => {
      const res = await longPoll(ingest, keys, 1);
      const body = (await res.json()) as Record<string, unknown>;
      return res.status === status ? { res, body } : undefined;
    },
    { timeoutMs: 30_000, description: `a long poll answering ${status}` },
  );
}

/**
 * Opens a held long poll of `keys`' project and waits until it counts: a quick long poll is then
 * refused, and its body is returned. A held poll only counts once the server took it, so when a
 * quick one got in first and the held one was refused in its place, the held one is opened again.
 */
async function holdLongPoll(ingest: TestIngest, keys: Keys): Promise<Record<string, unknown>> {
  let heldAnswered = false;
  const hold = () => {
    heldAnswered = false;
    const answered = () => (heldAnswered = true);
    void longPoll(ingest, keys).then(answered, answered);
  };
  hold();
  return pollUntil(
    async () => {
      if (heldAnswered) hold();
      const res = await longPoll(ingest, keys, 1);
      const body = (await res.json()) as Record<string, unknown>;
      return res.status === 429 ? body : undefined;
    },
    { timeoutMs: 30_000, description: 'a held long poll that counts' },
  );
}

describe('per project (default 100)', () => {
  let ingest: TestIngest;
  beforeAll(async () => {
    ingest = await startTestIngest();
  });
  afterAll(async () => {
    endAll();
    await ingest.close();
  });

  it('refuses the 101st at once, while another project opens one; a closed one frees a slot', async () => {
    // 101 long polls at once: 100 are held (30 s), exactly one is refused, at once.
    const answered: Response[] = [];
    for (let i = 0; i < 101; i++)
      void longPoll(ingest, ingest).then(
        (res) => answered.push(res),
        () => undefined,
      );
    const [refused] = await pollUntil(
      () => Promise.resolve(answered.length > 0 ? answered : undefined),
      { timeoutMs: 20_000, description: 'one of 101 long polls answering' },
    );
    expect(refused?.status).toBe(429);
    expect(refused?.headers.get('retry-after')).toBe('1');
    const body = (await refused?.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ code: 429, error: 'Too many requests' });
    expect(body['reason']).toMatch(/100 change streams and long polls of this project/);
    // With 100 held, another long poll, or a stream, is refused as well.
    expect((await longPoll(ingest, ingest)).status).toBe(429);
    expect((await stream(ingest, ingest)).status).toBe(429);
    expect(answered).toHaveLength(1); // the 100 are still held

    const other = await ingest.addProject();
    const res = await longPoll(ingest, other, 1);
    expect(res.status).toBe(200);
    // A plain page (no wait_ms) is not a long poll: never refused by the cap.
    const page = await fetch(`${ingest.url}/api/changes?after=now`, {
      headers: { authorization: basic(ingest.apiKey, ingest.secretKey) },
    });
    expect(page.status).toBe(200);

    // Two end (at most one of them is the refused one): a slot is free again.
    open[0]?.abort();
    open[1]?.abort();
    await untilPollAnswers(ingest, ingest, 200);
  });
});

describe('per process', () => {
  let ingest: TestIngest;
  beforeAll(async () => {
    ingest = await startTestIngest({ MAX_STREAMS_PER_PROJECT: '2', MAX_STREAMS_PER_PROCESS: '3' });
  });
  afterAll(async () => {
    endAll();
    await ingest.close();
  });

  it('counts streams and long polls of every project together', async () => {
    const other = await ingest.addProject();
    expect((await stream(ingest, ingest)).status).toBe(200);
    const byProject = await holdLongPoll(ingest, ingest);
    expect(byProject['reason']).toMatch(/2 change streams and long polls of this project/);

    expect((await stream(ingest, other)).status).toBe(200);
    const res = await longPoll(ingest, other);
    expect(res.status).toBe(429);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body['reason']).toMatch(/3 change streams and long polls are open in this server/);
  });
});
