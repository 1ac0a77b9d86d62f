import { isQueryTimeout, type Store } from '@groupidentify/store';
import { HttpError, serviceUnavailable } from '../http-error.js';

/**
 * The `503` of a store query stopped at its time limit (`STORE_QUERY_TIMEOUT_MS`), with the
 * reason; undefined for any other error.
 */
export function queryTimedOut(
  error: unknown,
  store: Pick<Store, 'queryTimeoutMS'>,
): HttpError | undefined {
  if (!isQueryTimeout(error)) return undefined;
  const limit = store.queryTimeoutMS === undefined ? '' : ` of ${store.queryTimeoutMS} ms`;
  return new HttpError(
    503,
    'Service unavailable',
    {
      reason:
        `the query took longer than the store's time limit${limit}; ` +
        'narrow it (an index on the where property, a smaller selection) or try again later',
    },
    { 'Retry-After': '1' },
  );
}

/**
 * What the client gets when a store read fails: the time limit's `503` with its reason, or a plain
 * `503` (store unreachable, failover, anything else the store threw).
 */
export function storeFailure(error: unknown, store: Pick<Store, 'queryTimeoutMS'>): HttpError {
  const timedOut = queryTimedOut(error, store);
  if (timedOut !== undefined) return timedOut;
  return error instanceof HttpError ? error : serviceUnavailable();
}
