import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What one destination's URL received, first deliveries counted by `webhook-id`. */
export interface Tally {
  /** Distinct `webhook-id`s. */
  firsts: number;
  /** POSTs of an id already received. */
  repeats: number;
  /** When the first and the latest first delivery arrived (`performance.now()`). */
  firstAt: number | undefined;
  lastAt: number | undefined;
  /** Per first delivery: its arrival (`Date.now()`) − the change's `applied_at`, ms. */
  appliedToArrivedMs: number[];
}

export interface BenchReceiver {
  /** The URL of `name`: a destination of its own, tallied apart from the others. */
  urlFor(name: string): string;
  tally(name: string): Tally;
  close(): Promise<void>;
}

/**
 * A webhook receiver on 127.0.0.1 for the bench: answers every POST `204` as soon as its body is
 * in, verifies nothing, and tallies per path the first delivery of each `webhook-id` (when it
 * arrived, and how long after the change's `applied_at`).
 */
export async function startBenchReceiver(): Promise<BenchReceiver> {
  const tallies = new Map<string, { ids: Set<string>; tally: Tally }>();
  const entry = (name: string) => {
    let e = tallies.get(name);
    if (e === undefined) {
      e = {
        ids: new Set(),
        tally: {
          firsts: 0,
          repeats: 0,
          firstAt: undefined,
          lastAt: undefined,
          appliedToArrivedMs: [],
        },
      };
      tallies.set(name, e);
    }
    return e;
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const now = Date.now();
      const at = performance.now();
      res.writeHead(204).end();
      const id = req.headers['webhook-id'];
      if (typeof id !== 'string') return;
      const { ids, tally } = entry((req.url ?? '/').slice(1));
      if (ids.has(id)) {
        tally.repeats++;
        return;
      }
      ids.add(id);
      tally.firsts++;
      tally.firstAt ??= at;
      tally.lastAt = at;
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { applied_at: string };
      tally.appliedToArrivedMs.push(now - Date.parse(body.applied_at));
    });
  });
  // The deliverer keeps its connections alive: no timeout of ours should cut one mid-run.
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    urlFor: (name) => `${base}/${encodeURIComponent(name)}`,
    tally: (name) => entry(encodeURIComponent(name)).tally,
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
