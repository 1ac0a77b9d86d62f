import { connect, type Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { basic } from '../helpers/http.js';
import { startTestIngest, type TestIngest } from '../helpers/ingest.js';
import { pollUntil } from '../helpers/services.js';

// docs/guarantees.md#http-server-timeouts-and-connection-cap: slow clients are cut, connections
// are capped, and neither touches a long poll that has sent its request.

const ingests: TestIngest[] = [];
afterAll(async () => {
  await Promise.all(ingests.map((i) => i.close()));
});

async function ingestWith(env: Record<string, string>): Promise<TestIngest> {
  const ingest = await startTestIngest(env);
  ingests.push(ingest);
  return ingest;
}

/** A raw TCP connection to ingest that records what it received and whether it closed. */
async function rawConnection(
  ingest: TestIngest,
): Promise<{ socket: Socket; received: () => string; closed: () => boolean }> {
  const socket = connect(ingest.service.port, '127.0.0.1');
  let received = '';
  let closed = false;
  socket.setEncoding('utf8').on('data', (chunk: string) => (received += chunk));
  socket.on('error', () => undefined); // a reset counts as closed
  socket.on('close', () => (closed = true));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return { socket, received: () => received, closed: () => closed };
}

describe('HTTP server timeouts', () => {
  it('closes a connection whose headers never finish arriving (slow loris), with 408', async () => {
    const ingest = await ingestWith({
      HTTP_HEADERS_TIMEOUT_MS: '1000',
      HTTP_REQUEST_TIMEOUT_MS: '2000',
    });
    const conn = await rawConnection(ingest);
    conn.socket.write('GET /healthz HTTP/1.1\r\nHost: ingest\r\n');
    // One more header line now and then, never the blank line that ends them.
    let n = 0;
    const drip = setInterval(() => {
      if (!conn.closed()) conn.socket.write(`X-Slow-${n++}: 1\r\n`);
    }, 200);
    try {
      await pollUntil(() => conn.closed(), {
        timeoutMs: 20_000,
        description: 'ingest to close the slow connection',
      });
    } finally {
      clearInterval(drip);
      conn.socket.destroy();
    }
    expect(conn.received()).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('answers 408 to a request whose body does not finish arriving in time', async () => {
    const ingest = await ingestWith({
      HTTP_HEADERS_TIMEOUT_MS: '1000',
      HTTP_REQUEST_TIMEOUT_MS: '1000',
    });
    const conn = await rawConnection(ingest);
    conn.socket.write(
      'POST /groupidentify HTTP/1.1\r\nHost: ingest\r\nContent-Type: application/json\r\n' +
        'Content-Length: 100\r\n\r\n{"api_key"',
    );
    try {
      await pollUntil(() => conn.closed(), {
        timeoutMs: 20_000,
        description: 'ingest to close the connection whose body stopped',
      });
    } finally {
      conn.socket.destroy();
    }
    expect(conn.received()).toMatch(/^HTTP\/1\.1 408 /);
    expect(conn.received()).toContain('{"code":408,"error":"Request Timeout"}');
  });

  it('does not cut a long poll that outlasts the request timeout', async () => {
    const ingest = await ingestWith({
      HTTP_HEADERS_TIMEOUT_MS: '1000',
      HTTP_REQUEST_TIMEOUT_MS: '1000',
    });
    const res = await fetch(`${ingest.url}/api/changes?wait_ms=3000`, {
      headers: { authorization: basic(ingest.apiKey, ingest.secretKey) },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ items: [] });
  });
});

describe('connection cap (HTTP_MAX_CONNECTIONS)', () => {
  it('closes one connection over the cap at once; the open ones keep working', async () => {
    const ingest = await ingestWith({ HTTP_MAX_CONNECTIONS: '2' });
    const request = 'GET /healthz HTTP/1.1\r\nHost: ingest\r\n\r\n';
    const open = [await rawConnection(ingest), await rawConnection(ingest)];
    for (const conn of open) conn.socket.write(request);
    await pollUntil(() => open.every((c) => c.received().includes('"status":"ok"')), {
      timeoutMs: 10_000,
      description: 'both connections under the cap to be answered',
    });

    const over = await rawConnection(ingest);
    over.socket.write(request);
    await pollUntil(() => over.closed(), {
      timeoutMs: 10_000,
      description: 'the connection over the cap to be closed',
    });
    expect(over.received()).toBe('');

    // The two under the cap are kept alive and answer again.
    for (const conn of open) conn.socket.write(request);
    await pollUntil(() => open.every((c) => c.received().split('"status":"ok"').length === 3), {
      timeoutMs: 10_000,
      description: 'the connections under the cap to answer again',
    });
    for (const conn of open) {
      expect(conn.closed()).toBe(false);
      conn.socket.destroy();
    }
  });
});
