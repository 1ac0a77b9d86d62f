import { createServer, request, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback HTTP proxy in front of a real server that forwards every request and, for the first
 * `lose` of them, cuts the client's connection once the server has answered: the server did the
 * work, the client saw a network error and retries. That is how an SDK's retry reaches the
 * service twice with the same call (a network fault, not a mock).
 */
export interface LossyProxy {
  url: string;
  /** Requests forwarded to the server so far (answered or lost). */
  forwarded(): number;
  close(): Promise<void>;
}

export async function startLossyProxy(target: string, lose = 1): Promise<LossyProxy> {
  const { hostname, port } = new URL(target);
  let forwarded = 0;
  let lost = 0;
  const server = createServer((req, res) => {
    const upstream = request(
      { host: hostname, port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () => {
          forwarded++;
          if (lost < lose) {
            lost++;
            req.socket.destroy();
            return;
          }
          res.writeHead(answer.statusCode ?? 502, withoutHopHeaders(answer.headers));
          res.end(Buffer.concat(chunks));
        });
      },
    );
    upstream.on('error', () => req.socket.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: proxyPort } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${proxyPort}`,
    forwarded: () => forwarded,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function withoutHopHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const { connection: _c, 'keep-alive': _k, 'transfer-encoding': _t, ...rest } = headers;
  return rest;
}
