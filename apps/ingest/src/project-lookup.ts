import type { IngestProject } from '@groupidentify/store';
import { LRUCache } from 'lru-cache';
import { serviceUnavailable } from './http-error.js';

export type { IngestProject } from '@groupidentify/store';

/** Resolves an api_key to its project and settings, or `undefined` for an unknown key. */
export type ProjectLookup = (apiKey: string) => Promise<IngestProject | undefined>;

/** How many keys the cache holds (docs/guarantees.md#the-api-key-cache). */
export interface ProjectCacheSizes {
  /** Known keys, least recently used evicted first. */
  maxKeys: number;
  /** Unknown keys, apart, so that a flood of made-up keys never evicts a known one. */
  maxMisses: number;
}

export const PROJECT_CACHE_SIZES: ProjectCacheSizes = { maxKeys: 100_000, maxMisses: 10_000 };

/**
 * A cached project lookup: `find` (the store's) is asked at most once per key per `ttlMs` (hits
 * and misses alike; 0: every time) so the hot path makes no store round trip, while a revoked or
 * new key, or a changed setting, takes effect within `ttlMs`. Known and unknown keys are kept in
 * two least-recently-used caches, so that random keys only ever evict each other. Concurrent
 * misses for one key share a single query; a failed query is not cached.
 */
export function createProjectLookup(
  find: ProjectLookup,
  ttlMs: number,
  now: () => number = () => performance.now(),
  sizes: ProjectCacheSizes = PROJECT_CACHE_SIZES,
): ProjectLookup {
  // `perf` is lru-cache's clock: the tests move it by hand. `ttlResolution: 0` reads it every time.
  const options = { ttl: ttlMs, ttlResolution: 0, perf: { now } };
  const known = new LRUCache<string, IngestProject>({ ...options, max: sizes.maxKeys });
  const unknown = new LRUCache<string, true>({ ...options, max: sizes.maxMisses });
  const inflight = new Map<string, Promise<IngestProject | undefined>>();

  async function load(apiKey: string): Promise<IngestProject | undefined> {
    const project = await find(apiKey);
    if (ttlMs > 0) {
      if (project === undefined) unknown.set(apiKey, true);
      else known.set(apiKey, project);
    }
    return project;
  }

  return async (apiKey) => {
    const hit = known.get(apiKey);
    if (hit !== undefined) return hit;
    if (unknown.get(apiKey) === true) return undefined;
    let pending = inflight.get(apiKey);
    if (pending === undefined) {
      pending = load(apiKey).finally(() => inflight.delete(apiKey));
      inflight.set(apiKey, pending);
    }
    return pending;
  };
}

/**
 * The project of `apiKey` for an ingestion route; a store that cannot answer is `503` (our
 * problem, not the client's), never a `400` for a key that may well be valid.
 */
export async function projectOrUnavailable(
  lookup: ProjectLookup,
  apiKey: string,
): Promise<IngestProject | undefined> {
  try {
    return await lookup(apiKey);
  } catch {
    throw serviceUnavailable();
  }
}
