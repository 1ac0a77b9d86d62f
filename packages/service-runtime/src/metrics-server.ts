import { once } from 'node:events';
import { createServer, type Server } from 'node:http';

/** What the metrics server reads: a prom-client `Registry` has both. */
export interface MetricsRegistry {
  metrics(): Promise<string>;
  contentType: string;
}

/**
 * `GET /metrics` (Prometheus text) and `GET /healthz` on a port of their own, apart from any
 * public one (docs/operations.md): the worker's and ingest's `METRICS_PORT`.
 */
export async function startMetricsServer(
  registry: MetricsRegistry,
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
