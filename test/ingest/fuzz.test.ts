import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mustAccept, toFetch } from '../helpers/fuzz-fetch.js';
import { fuzzRequest, type FuzzRequest } from '../helpers/fuzz-requests.js';
import { startTestIngest, type TestIngest } from '../helpers/ingest.js';
import { samplesOf, scrapeMetrics, sumOf } from '../helpers/prometheus.js';

// docs/api.md: whatever arrives at /groupidentify, the answer is a 200 `success` or a JSON error
// whose `code` is the status — never a 5xx while Redis and MongoDB are up ("a 5xx must never hide a
// bug in the input"), never a hang.

let ingest: TestIngest;
beforeAll(async () => {
  ingest = await startTestIngest();
});
afterAll(async () => {
  await ingest.close();
});

interface Answer {
  status: number;
  contentType: string | null;
  allow: string | null;
  text: string;
}

async function send(request: FuzzRequest): Promise<Answer> {
  const [url, init] = toFetch(request, ingest.url, ingest.apiKey);
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  return {
    status: res.status,
    contentType: res.headers.get('content-type'),
    allow: res.headers.get('allow'),
    text: await res.text(),
  };
}

function checkAnswer(request: FuzzRequest, answer: Answer): void {
  const context = `${request.method} ${answer.status} ${answer.text.slice(0, 300)}`;
  expect(answer.status, context).toBeGreaterThanOrEqual(200);
  expect(answer.status, context).toBeLessThan(500);
  if (answer.status === 200) {
    expect(answer.text).toBe('success');
    expect(answer.contentType).toMatch(/^text\/plain/);
    expect(request.apiKey, 'accepted without a valid api_key').toBe('valid');
    expect(['GET', 'POST']).toContain(request.method);
    return;
  }
  expect(answer.contentType, context).toMatch(/^application\/json/);
  const body = JSON.parse(answer.text) as Record<string, unknown>;
  expect(body['code'], context).toBe(answer.status);
  expect(typeof body['error'], context).toBe('string');
  if (!['GET', 'POST'].includes(request.method)) {
    expect(answer.status, context).toBe(405);
    expect(answer.allow).toMatch(/GET/);
  }
  expect(mustAccept(request), `a valid request was refused: ${context}`).toBe(false);
}

describe('/groupidentify under random requests', () => {
  const statuses = new Map<number, number>();
  let mustBeAccepted = 0;

  it('answers 200 success or a JSON error with code = status, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fuzzRequest, async (request) => {
        const answer = await send(request);
        if (mustAccept(request)) mustBeAccepted++;
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        checkAnswer(request, answer);
      }),
      // A few thousand cases; on a loaded machine fewer (the coverage checks below still hold).
      { numRuns: 2500, interruptAfterTimeLimit: 25_000, markInterruptAsFailure: false },
    );
    console.info(
      `[fuzz] statuses: ${[...statuses]
        .sort(([a], [b]) => a - b)
        .map(([s, n]) => `${s}×${n}`)
        .join(' ')}`,
    );
    // The generator must reach every outcome, or the property checks less than it claims.
    for (const status of [200, 400, 405, 413, 415]) expect(statuses.get(status)).toBeGreaterThan(0);
    expect(mustBeAccepted).toBeGreaterThanOrEqual(10);
    console.info(`[fuzz] ${mustBeAccepted} requests were valid beyond doubt (all got 200)`);
  }, 60_000);

  it('counted no 5xx in its own metrics (no unhandled error answered)', async () => {
    const { samples } = await scrapeMetrics(ingest.metricsUrl);
    const requests = samplesOf(samples, 'gi_http_requests_total');
    expect(requests.length).toBeGreaterThan(0);
    const fiveHundreds = requests.filter((s) => s.labels['status']?.startsWith('5') === true);
    expect(fiveHundreds).toEqual([]);
    // Every fuzz answer was counted: the series above are the whole story.
    const answered = [...statuses.values()].reduce((a, b) => a + b, 0);
    expect(sumOf(samples, 'gi_http_requests_total')).toBeGreaterThanOrEqual(answered);
  });
});
