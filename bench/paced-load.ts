import { Agent, request } from 'node:http';
import { FORM } from './bodies.js';
import type { LoadResult } from './http-load.js';

export interface PacedResult extends LoadResult {
  /** Every 2xx answer's latency, ms, sorted (to pool rounds: `pooledLatency`). */
  latenciesMs: number[];
}

export interface PacedOptions {
  /** Requests per second, spread evenly over each second. */
  perSec: number;
  seconds: number;
  /** Keep-alive connections; requests due while all are busy wait for one (and that counts). */
  connections: number;
}

// How often the pacer wakes up to send what has come due.
const TICK_MS = 2;

/**
 * Open-loop constant-rate load on `POST <url>/groupidentify` (wrk2-style), cycling through
 * `bodies`: request i is due at `i / perSec` seconds, and its latency runs from that instant, so a
 * server that stalls shows it in the latencies instead of slowing the load down (coordinated
 * omission). autocannon's rate limit is not used here: it lets each connection send its quota for
 * the second as fast as it can at the start of every second, so at "half of max" its latencies
 * measured one-second bursts, for the bare Express baseline as much as for ingest. Any non-2xx
 * answer or connection error fails the run.
 */
export async function pacedLoad(
  url: string,
  bodies: readonly Buffer[],
  options: PacedOptions,
): Promise<PacedResult> {
  const target = new URL('/groupidentify', url);
  // FIFO: every kept-alive connection is reused in turn. With Node's default (LIFO) the few most
  // recent ones carry the load and the rest idle; one idle for the server's keep-alive timeout (5 s)
  // is closed by the server just as a burst picks it up, and the request fails ("socket hang up").
  const agent = new Agent({
    keepAlive: true,
    maxSockets: options.connections,
    scheduling: 'fifo',
  });
  const latencies: number[] = [];
  const failures: string[] = [];
  const inFlight = new Set<Promise<void>>();
  const intervalMs = 1000 / options.perSec;
  const total = Math.max(1, Math.floor(options.perSec * options.seconds));
  const start = performance.now();
  let sent = 0;
  try {
    while (sent < total) {
      const due = Math.min(total, Math.floor((performance.now() - start) / intervalMs) + 1);
      for (; sent < due; sent++) {
        const dueAt = start + sent * intervalMs;
        const body = bodies[sent % bodies.length] as Buffer;
        const done = post(target, agent, body).then(
          (status) => {
            if (status >= 200 && status < 300) latencies.push(performance.now() - dueAt);
            else failures.push(`HTTP ${status}`);
          },
          (error: unknown) => {
            failures.push(error instanceof Error ? error.message : String(error));
          },
        );
        inFlight.add(done);
        void done.finally(() => inFlight.delete(done));
      }
      await new Promise((resolve) => setTimeout(resolve, TICK_MS));
    }
    await Promise.all(inFlight);
  } finally {
    agent.destroy();
  }
  if (failures.length > 0)
    throw new Error(`paced load on ${url}: ${failures.length} failed, e.g. ${failures[0] ?? ''}`);
  const seconds = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    reqPerSec: latencies.length / seconds,
    p50Ms: quantile(latencies, 0.5),
    p99Ms: quantile(latencies, 0.99),
    latenciesMs: latencies,
  };
}

/** p50 and p99 over the latencies of several paced runs together. */
export function pooledLatency(runs: readonly PacedResult[]): { p50Ms: number; p99Ms: number } {
  const all = runs.flatMap((r) => r.latenciesMs).sort((a, b) => a - b);
  return { p50Ms: quantile(all, 0.5), p99Ms: quantile(all, 0.99) };
}

function post(target: URL, agent: Agent, body: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      target,
      { method: 'POST', agent, headers: { 'content-type': FORM, 'content-length': body.length } },
      (res) => {
        res.resume();
        res.once('end', () => resolve(res.statusCode ?? 0));
        res.once('error', reject);
      },
    );
    req.once('error', reject);
    req.end(body);
  });
}

/** The q-quantile of sorted values (nearest rank), in the values' unit. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? NaN;
}
