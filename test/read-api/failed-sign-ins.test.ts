import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basic } from '../helpers/http.js';
import { startTestIngest, type TestIngest } from '../helpers/ingest.js';
import { pollUntil } from '../helpers/services.js';

// docs/guarantees.md#failed-sign-ins: after SIGNIN_MAX_FAILURES wrong secrets (or operator
// tokens) from one address within the window, that address gets 429 until the window ends;
// other addresses are not affected. On Linux all of 127.0.0.0/8 is loopback: a request bound to
// 127.0.0.2 comes from another client address.

const ADMIN_TOKEN = 'an-operator-token-of-at-least-16';
let ingest: TestIngest;

beforeAll(async () => {
  ingest = await startTestIngest({
    ADMIN_TOKEN,
    SIGNIN_MAX_FAILURES: '10',
    SIGNIN_WINDOW_MS: '3000',
  });
});
afterAll(async () => {
  await ingest.close();
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
}

/** GET `path` from the client address `from`, with an Authorization header. */
function getFrom(from: string, path: string, authorization: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${ingest.url}${path}`,
      { localAddress: from, agent: false, headers: { authorization } },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: JSON.parse(text) as Record<string, unknown>,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const GROUPS = '/api/groups?group_type=org';

describe('failed sign-ins per client address', () => {
  it('answers 429 with Retry-After from the 11th wrong secret; other addresses sign in', async () => {
    const wrong = basic(ingest.apiKey, 'not-the-secret');
    const right = basic(ingest.apiKey, ingest.secretKey);
    for (let i = 1; i <= 10; i++)
      expect((await getFrom('127.0.0.1', GROUPS, wrong)).status, `attempt ${i}`).toBe(401);
    const slowed = await getFrom('127.0.0.1', GROUPS, wrong);
    expect(slowed.status).toBe(429);
    expect(Number(slowed.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(slowed.body).toMatchObject({
      code: 429,
      error: 'Too many requests',
      reason: 'too many failed sign-ins from this address',
    });
    // The right secret from the same address waits too: a guess that hits learns nothing.
    expect((await getFrom('127.0.0.1', GROUPS, right)).status).toBe(429);
    // Another address is not affected.
    expect((await getFrom('127.0.0.2', GROUPS, right)).status).toBe(200);
    expect((await getFrom('127.0.0.2', GROUPS, wrong)).status).toBe(401);
    // Once the window is over, the address signs in again.
    await pollUntil(async () => (await getFrom('127.0.0.1', GROUPS, right)).status === 200, {
      timeoutMs: 15_000,
      description: 'the window of failed sign-ins of 127.0.0.1 to end',
    });
  });

  it('counts wrong operator tokens the same way', async () => {
    const wrong = 'Bearer not-the-operator-token';
    for (let i = 1; i <= 10; i++)
      expect((await getFrom('127.0.0.3', '/api/admin/partitions', wrong)).status).toBe(401);
    const slowed = await getFrom('127.0.0.3', '/api/admin/partitions', wrong);
    expect(slowed.status).toBe(429);
    expect(slowed.headers['retry-after']).toBeDefined();
    expect(
      (await getFrom('127.0.0.3', '/api/admin/partitions', `Bearer ${ADMIN_TOKEN}`)).status,
    ).toBe(429);
    expect(
      (await getFrom('127.0.0.4', '/api/admin/partitions', `Bearer ${ADMIN_TOKEN}`)).status,
    ).toBe(200);
  });
});
