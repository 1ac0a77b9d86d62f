import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';

/** `GET /metrics` (Prometheus text) and `GET /healthz` on their own port (docs/operations.md). */
export async function startMetricsServer(
  registry: Registry,
  port: number,
  host: string,
): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.url === '/metrics') {
      registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
        () => res.writeHead(500).end(),
      );
    } else if (req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    } else {
      res
        .writeHead(404, { 'content-type': 'application/json' })
        .end('{"code":404,"error":"Not found"}');
    }
  });
  server.listen(port, host);
  await once(server, 'listening');
  return server;
}
