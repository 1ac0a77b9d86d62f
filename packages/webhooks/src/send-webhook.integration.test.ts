import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXCERPT_CHARS, sendWebhook } from './send-webhook.js';

// One POST to a real HTTP server on 127.0.0.1; the signature is checked with the official
// `standardwebhooks` package, as a receiver would.
const SECRET = `whsec_${Buffer.from('a secret of 24 bytes!!!!').toString('base64')}`;

interface Received {
  headers: IncomingMessage['headers'];
  body: string;
}
let server: Server;
let base: string;
let answer: (res: ServerResponse, received: Received) => void = (res) => res.end();
const received: Received[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      const r = { headers: req.headers, body };
      received.push(r);
      answer(res, r);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const send = (overrides: Partial<Parameters<typeof sendWebhook>[0]> = {}) =>
  sendWebhook({
    url: `${base}/hook`,
    secret: SECRET,
    id: 'eyJwIjoicCIsInYiOlswLDNdfQ',
    body: JSON.stringify({ kind: 'update', group_type: 'org', changes: { plan: { to: 'pro' } } }),
    timeoutMs: 2000,
    allowPrivate: true,
    ...overrides,
  });

describe('sendWebhook', () => {
  it('POSTs the body signed so that standardwebhooks verifies it', async () => {
    answer = (res) => res.writeHead(204).end();
    const outcome = await send();
    expect(outcome).toMatchObject({ ok: true, status: 204 });
    const last = received.at(-1) as Received;
    expect(last.headers['content-type']).toBe('application/json');
    expect(last.headers['webhook-id']).toBe('eyJwIjoicCIsInYiOlswLDNdfQ');
    const headers = Object.fromEntries(
      ['webhook-id', 'webhook-timestamp', 'webhook-signature'].map((h) => [
        h,
        String(last.headers[h]),
      ]),
    );
    expect(new Webhook(SECRET).verify(last.body, headers)).toStrictEqual(JSON.parse(last.body));
    // Signed with another secret, or with the body changed, it does not verify.
    const other = `whsec_${Buffer.from('another secret of 24 b!!').toString('base64')}`;
    expect(() => new Webhook(other).verify(last.body, headers)).toThrow();
    expect(() => new Webhook(SECRET).verify(`${last.body} `, headers)).toThrow();
  });

  it('gives up at once when cancelled, well before its timeout', async () => {
    const cancel = new AbortController();
    answer = () => cancel.abort(); // never answers: the sender cancels once the POST arrived
    const outcome = await send({ timeoutMs: 60_000, signal: cancel.signal });
    expect(outcome).toMatchObject({ ok: false, error: 'cancelled' });
  });

  it('reports a non-2xx answer with a short excerpt of its body', async () => {
    answer = (res) => res.writeHead(503).end('x'.repeat(5000));
    const outcome = await send();
    expect(outcome.ok).toBe(false);
    expect(outcome.status).toBe(503);
    expect(outcome.error).toBe(`HTTP 503: ${'x'.repeat(EXCERPT_CHARS)}`);
  });

  it('gives up on an answer that does not come within the timeout', async () => {
    answer = () => undefined; // never answers
    const outcome = await send({ timeoutMs: 300 });
    expect(outcome).toMatchObject({ ok: false, error: 'no answer within 300 ms' });
    expect(outcome.status).toBeUndefined();
  });

  it('reports a refused connection', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const outcome = await send({ url: `http://127.0.0.1:${port}/` });
    expect(outcome.ok).toBe(false);
    expect(outcome.error).toContain('ECONNREFUSED');
  });

  it('sends nothing to a private address unless allowed, by name or by address', async () => {
    answer = (res) => res.end();
    const before = received.length;
    const port = new URL(base).port;
    for (const url of [`${base}/hook`, `http://localhost:${port}/hook`]) {
      const outcome = await send({ url, allowPrivate: false });
      expect(outcome.ok).toBe(false);
      expect(outcome.error).toMatch(/^refused: .*loopback, link-local or private/);
    }
    expect(received.length).toBe(before);
  });
});
