import type { Collection } from 'mongodb';
import type { ProjectDocument } from '@groupidentify/store';

/** Resolves an api_key to its project id, or `undefined` for an unknown key. */
export type ProjectLookup = (apiKey: string) => Promise<string | undefined>;

interface CacheEntry {
  projectId: string | undefined;
  expiresAt: number;
}

/**
 * A project lookup over the `projects` collection, cached in-process for `ttlMs` (hits and
 * misses alike) so the hot path makes no store round trip, while a revoked or new key takes
 * effect within `ttlMs`. Concurrent misses for one key share a single query.
 */
export function createProjectLookup(
  projects: Collection<ProjectDocument>,
  ttlMs: number,
  now: () => number = Date.now,
): ProjectLookup {
  const cache = new Map<string, CacheEntry>();
  const inflight = new Map<string, Promise<string | undefined>>();

  async function load(apiKey: string): Promise<string | undefined> {
    const doc = await projects.findOne({ api_key: apiKey }, { projection: { _id: 1 } });
    const projectId = doc?._id;
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
