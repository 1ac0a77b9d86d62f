import autocannon from 'autocannon';
import { FORM } from './bodies.js';

export interface LoadOptions {
  connections: number;
  seconds: number;
  /** Count `429` answers (a rate limit or backlog refusing) instead of failing the run. */
  refusalsAllowed?: boolean;
}

export interface LoadResult {
  /** 2xx answers per second. */
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
}

/**
 * Loads `POST <url>/groupidentify` with autocannon as fast as it answers (closed loop; constant
 * rates use bench/paced-load.ts), cycling through `bodies` (each connection walks the list in
 * order). Any other non-2xx answer (and a `429` unless `refusalsAllowed`, then counted in
 * `refused`) or connection error fails the run: a figure measured on errors means nothing.
 */
export async function loadGroupIdentify(
  url: string,
  bodies: readonly Buffer[],
  options: LoadOptions,
): Promise<LoadResult & { refused: number }> {
  let next = 0;
  const result = await autocannon({
    url: `${url}/groupidentify`,
    connections: options.connections,
    duration: options.seconds,
    requests: [
      {
        method: 'POST' as const,
        headers: { 'content-type': FORM },
        setupRequest: (request) => ({ ...request, body: bodies[next++ % bodies.length] }),
      },
    ],
  });
  const refused =
    options.refusalsAllowed === true ? (result.statusCodeStats?.['429']?.count ?? 0) : 0;
  if (result.non2xx > refused || result.errors > 0) {
    throw new Error(
      `load on ${url} got ${result.non2xx} non-2xx answers and ${result.errors} errors: ` +
        JSON.stringify(result.statusCodeStats),
    );
  }
  return {
    reqPerSec: result['2xx'] / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    refused,
  };
}

/** The median of some numbers (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length % 2 === 1) return sorted[mid] ?? NaN;
  return ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
}

/**
 * Runs each side once per round, alternating (A,B,A,B…) so that drift in a noisy machine hits
 * both sides alike, and returns each side's samples.
 */
export async function alternate(
  rounds: number,
  sides: readonly (() => Promise<number>)[],
): Promise<number[][]> {
  const samples = sides.map((): number[] => []);
  for (let round = 0; round < rounds; round++) {
    for (const [i, side] of sides.entries()) samples[i]?.push(await side());
  }
  return samples;
}
