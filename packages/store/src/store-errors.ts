import {
  MongoBulkWriteError,
  MongoError,
  MongoNetworkError,
  MongoNotConnectedError,
  MongoOperationTimeoutError,
  MongoServerSelectionError,
} from 'mongodb';

// Server codes that mean "try again": not primary, shutting down, timeouts, network.
const TRANSIENT_CODES = new Set([
  6, 7, 50, 89, 91, 189, 262, 9001, 10107, 11600, 11602, 13435, 13436,
]);

/**
 * Whether a store error may go away by itself (outage, failover, timeout): such errors are
 * retried in order, forever; anything else is a property of the data (poison).
 */
export function isTransientStoreError(error: unknown): boolean {
  // bulkWrite/insertMany wrap a driver error (a connection cut mid-write, no server) in a
  // MongoBulkWriteError with no writeErrors; the original is its `errorResponse`.
  if (error instanceof MongoBulkWriteError && error.errorResponse instanceof Error)
    return isTransientStoreError(error.errorResponse);
  if (
    error instanceof MongoNetworkError ||
    error instanceof MongoServerSelectionError ||
    error instanceof MongoNotConnectedError
  ) {
    return true;
  }
  if (error instanceof MongoError) {
    if (
      error.hasErrorLabel('RetryableWriteError') ||
      error.hasErrorLabel('TransientTransactionError')
    )
      return true;
    return typeof error.code === 'number' && TRANSIENT_CODES.has(error.code);
  }
  return false;
}

/** MaxTimeMSExpired: the server stopped a query at its `maxTimeMS`. */
const MAX_TIME_MS_EXPIRED = 50;
/**
 * CursorNotFound: FerretDB's answer to the `getMore` of a cursor whose `maxTimeMS` ran out after
 * its first batch (MongoDB says 50). Otherwise only a cursor killed or idle for minutes, which a
 * read API request never leaves.
 */
const CURSOR_NOT_FOUND = 43;

/** Whether a store error is a query stopped at its time limit (or the driver's own timeout). */
export function isQueryTimeout(error: unknown): boolean {
  if (error instanceof MongoOperationTimeoutError) return true;
  return (
    error instanceof MongoError &&
    (error.code === MAX_TIME_MS_EXPIRED || error.code === CURSOR_NOT_FOUND)
  );
}

/** E11000: a racing insert (or a guard miss, which an upsert turns into one). */
export function isDuplicateKey(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 11000;
}

/** True when a bulk insert failed only on duplicate keys (those documents already exist). */
export function allDuplicateKeys(error: unknown): boolean {
  const writeErrors = (error as { writeErrors?: unknown } | null)?.writeErrors;
  if (Array.isArray(writeErrors))
    return writeErrors.length > 0 && writeErrors.every(isDuplicateKey);
  return isDuplicateKey(error);
}

/** The server's message of a store error, for dead letters and logs. */
export function storeErrorMessage(error: unknown): string {
  const e = error as { errmsg?: unknown; message?: unknown } | null;
  return String(e?.errmsg ?? e?.message ?? error);
}
