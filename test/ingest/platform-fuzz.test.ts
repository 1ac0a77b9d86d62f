import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  mixpanelRequests,
  postHogRequests,
  segmentRequests,
  type PlatformRequest,
} from '../helpers/fuzz-platform-requests.js';
import { startTestIngest, type TestIngest } from '../helpers/ingest.js';
import { samplesOf, scrapeMetrics } from '../helpers/prometheus.js';

// docs/sdks.md: whatever arrives at the Mixpanel, PostHog and Segment routes, the answer is the
// platform's success or an error in the platform's shape — never a 5xx while Redis and MongoDB
// are up, never a success for a wrong key — and a request that is valid beyond doubt succeeds.

let ingest: TestIngest;
beforeAll(async () => {
  ingest = await startTestIngest();
});
afterAll(async () => {
  await ingest.close();
});

interface Answer {
  status: number;
  contentType: string;
  text: string;
}

async function send(request: PlatformRequest): Promise<Answer> {
  const res = await fetch(`${ingest.url}${request.url}`, {
    method: request.method,
    headers: request.headers,
    ...(request.body === undefined ? {} : { body: request.body }),
    signal: AbortSignal.timeout(10_000),
  });
  return {
    status: res.status,
    contentType: res.headers.get('content-type') ?? '',
    text: await res.text(),
  };
}

type Shape = (answer: Answer, request: PlatformRequest) => void;

const json = (answer: Answer): unknown => {
  expect(answer.contentType).toMatch(/^application\/json/);
  return JSON.parse(answer.text);
};

/** The service's own error body: a 405 (no SDK sends a wrong method), a 431 from Node's parser. */
function serviceError(answer: Answer): void {
  expect(json(answer)).toMatchObject({ code: answer.status, error: expect.any(String) as string });
}

const mixpanelShape: Shape = (answer, request) => {
  const verbose = request.url.includes('verbose=1');
  const ok = answer.status === 200;
  if (!verbose) {
    expect(answer.contentType).toMatch(/^text\/plain/);
    expect(answer.text).toBe(ok ? '1' : '0');
  } else if (ok) expect(json(answer)).toStrictEqual({ status: 1, error: null });
  else expect(json(answer)).toStrictEqual({ status: 0, error: expect.any(String) as string });
  // 403: a `$delete` through the public token, which this project does not allow.
  if (!ok) expect([400, 401, 403, 413]).toContain(answer.status);
};

const postHogShape: Shape = (answer) => {
  if (answer.status === 200) {
    expect(json(answer)).toStrictEqual({ status: 1 });
    return;
  }
  expect([400, 401, 413]).toContain(answer.status);
  expect(json(answer)).toStrictEqual({
    type: answer.status === 401 ? 'authentication_error' : 'validation_error',
    code: expect.any(String) as string,
    detail: expect.any(String) as string,
    attr: null,
  });
};

const segmentShape: Shape = (answer) => {
  if (answer.status === 200) {
    expect(json(answer)).toStrictEqual({ success: true });
    return;
  }
  // Segment has no 413: too large and unreadable bodies are its 400.
  expect([400, 401]).toContain(answer.status);
  expect(json(answer)).toStrictEqual({ success: false, message: expect.any(String) as string });
};

async function fuzz(
  label: string,
  requests: fc.Arbitrary<PlatformRequest>,
  shape: Shape,
): Promise<void> {
  const statuses = new Map<number, number>();
  let accepted = 0;
  let mustAccept = 0;
  await fc.assert(
    fc.asyncProperty(requests, async (request) => {
      const answer = await send(request);
      statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
      const context = `${request.method} ${request.url} → ${answer.status} ${answer.text.slice(0, 300)}`;
      expect(answer.status, context).toBeGreaterThanOrEqual(200);
      expect(answer.status, context).toBeLessThan(500);
      if (request.mustAccept) mustAccept++;
      if (answer.status === 200) {
        accepted++;
        expect(request.validKey, `accepted without the project's key: ${context}`).toBe(true);
      } else expect(request.mustAccept, `a valid request was refused: ${context}`).toBe(false);
      if (answer.status === 405 || answer.status === 431) serviceError(answer);
      else shape(answer, request);
    }),
    { numRuns: 1500, interruptAfterTimeLimit: 15_000, markInterruptAsFailure: false },
  );
  console.info(
    `[fuzz ${label}] statuses: ${[...statuses]
      .sort(([a], [b]) => a - b)
      .map(([s, n]) => `${s}×${n}`)
      .join(' ')}; ${mustAccept} valid beyond doubt`,
  );
  // The generators must reach every outcome, or the property checks less than it claims.
  for (const status of [200, 400, 401, 405]) expect(statuses.get(status), label).toBeGreaterThan(0);
  expect(mustAccept).toBeGreaterThanOrEqual(10);
  expect(accepted).toBeGreaterThanOrEqual(mustAccept);
}

describe('the platform routes under random requests', () => {
  it('Mixpanel /groups', async () => {
    await fuzz('mixpanel', mixpanelRequests(ingest.apiKey), mixpanelShape);
  }, 60_000);

  it('PostHog /batch/, /capture/, /e/, /i/v0/e/', async () => {
    await fuzz('posthog', postHogRequests(ingest.apiKey), postHogShape);
  }, 60_000);

  it('Segment /v1/batch, /v1/group', async () => {
    await fuzz('segment', segmentRequests(ingest.apiKey), segmentShape);
  }, 60_000);

  it('counted no 5xx in its own metrics (no unhandled error answered)', async () => {
    const { samples } = await scrapeMetrics(ingest.metricsUrl);
    const fiveHundreds = samplesOf(samples, 'gi_http_requests_total').filter(
      (s) => s.labels['status']?.startsWith('5') === true,
    );
    expect(fiveHundreds).toEqual([]);
  });
});
