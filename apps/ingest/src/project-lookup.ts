import { serviceUnavailable } from './http-error.js';

/** Resolves an api_key to its project id, or `undefined` for an unknown key. */
export type ProjectLookup = (apiKey: string) => Promise<string | undefined>;

interface CacheEntry {
  projectId: string | undefined;
  expiresAt: number;
}

/**
 * A cached project lookup: `find` (the store's) is asked at most once per key per `ttlMs` (hits
 * and misses alike) so the hot path makes no store round trip, while a revoked or new key takes
 * effect within `ttlMs`. Concurrent misses for one key share a single query.
 */
export function createProjectLookup(
  find: ProjectLookup,
  ttlMs: number,
  now: () => number = Date.now,
): ProjectLookup {
  const cache = new Map<string, CacheEntry>();
  const inflight = new Map<string, Promise<string | undefined>>();

  async function load(apiKey: string): Promise<string | undefined> {
    const projectId = await find(apiKey);
    if (cache.size > 100_000) cache.clear(); // bound memory against key-guessing floods
    cache.set(apiKey, { projectId, expiresAt: now() + ttlMs });
    return projectId;
  }

  return async (apiKey) => {
    const hit = cache.get(apiKey);
    if (hit !== undefined && hit.expiresAt > now()) return hit.projectId;
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
): Promise<string | undefined> {
  try {
    return await lookup(apiKey);
  } catch {
    throw serviceUnavailable();
  }
}
