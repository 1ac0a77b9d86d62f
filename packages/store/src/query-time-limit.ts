import type { Collection, Document } from 'mongodb';
import type { Collections } from './collections.js';

/**
 * The reads that take a `maxTimeMS`, and the position of their options argument. Writes are left
 * alone: a write that times out may still have been applied, and retrying it is the caller's call.
 */
const OPTIONS_AT: Readonly<Record<string, number>> = {
  find: 1,
  findOne: 1,
  aggregate: 1,
  countDocuments: 1,
  distinct: 2,
};

/**
 * `collection` with `maxTimeMS: ms` added to every read that does not set its own (docs/
 * guarantees.md#store-query-time-limit). The server stops such a query when it has worked on it
 * for longer, with error 50 (MaxTimeMSExpired; see {@link isQueryTimeout}). For a cursor, MongoDB
 * counts the time of the first batch and every `getMore` together; FerretDB closes the cursor when
 * the time since it was opened runs out, and the next `getMore` fails with 43 (CursorNotFound).
 * One place for every query of the app that opens the store with a limit.
 */
export function timeLimited<T extends Document>(
  collection: Collection<T>,
  ms: number,
): Collection<T> {
  return new Proxy(collection, {
    get(target, name, receiver) {
      const value: unknown = Reflect.get(target, name, receiver);
      const at = typeof name === 'string' ? OPTIONS_AT[name] : undefined;
      if (at === undefined || typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const options = (args[at] ?? {}) as { maxTimeMS?: number };
        args[at] = { maxTimeMS: ms, ...options };
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

/** Every collection of `c`, {@link timeLimited}. */
export function timeLimitedCollections(c: Collections, ms: number): Collections {
  return Object.fromEntries(
    Object.entries(c).map(([name, collection]) => [
      name,
      timeLimited(collection as Collection, ms),
    ]),
  ) as unknown as Collections;
}
