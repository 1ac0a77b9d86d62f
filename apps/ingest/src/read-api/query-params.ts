import { parseInstant } from '@groupidentify/ops';
import { HttpError } from '../http-error.js';

/** `400 Invalid parameter`, naming the field and why. */
export const invalid = (field: string, reason: string): HttpError =>
  new HttpError(400, 'Invalid parameter', { field, reason });

/** `limit`: 1..max, default `fallback`. */
export function readLimit(value: unknown, fallback: number, max: number): number {
  if (value === undefined || value === '') return fallback;
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw invalid('limit', `must be an integer from 1 to ${max}`);
  return n;
}

/** An ISO-8601 instant such as `2026-01-31T12:00:00Z`. */
export function readInstant(field: string, value: unknown): Date | undefined {
  if (value === undefined || value === '') return undefined;
  const at = typeof value === 'string' ? parseInstant(value) : undefined;
  if (at === undefined)
    throw invalid(field, 'must be an ISO-8601 date-time, e.g. 2026-01-31T12:00:00Z');
  return at;
}

/** Cursors are opaque to clients: base64url of a JSON value we produced. */
export function encodeCursor(value: string | number | readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/**
 * A list's cursor (`string`: where the last page ended) or a history's (`number`: the version it
 * ended at, so a whole number from 1; not -1, 1.5 or 1e400, which read odd pages).
 */
export function decodeCursor<T extends 'string' | 'number'>(
  value: string | undefined,
  type: T,
): (T extends 'string' ? string : number) | undefined {
  return readCursor(value, (decoded) => {
    if (typeof decoded !== type) return undefined;
    if (type === 'number' && !(Number.isSafeInteger(decoded) && (decoded as number) >= 1))
      return undefined;
    return decoded as T extends 'string' ? string : number;
  });
}

/**
 * The value a cursor holds, as `accept` takes it; undefined without a cursor; `400` on `cursor`
 * if it is not base64url JSON or `accept` returns undefined (not a cursor this API returned).
 */
export function readCursor<T>(
  value: string | undefined,
  accept: (decoded: unknown) => T | undefined,
): T | undefined {
  if (value === undefined || value === '') return undefined;
  let accepted: T | undefined;
  try {
    accepted = accept(JSON.parse(Buffer.from(value, 'base64url').toString('utf8')));
  } catch {
    // not JSON: refused below
  }
  if (accepted === undefined) throw invalid('cursor', 'is not a cursor this API returned');
  return accepted;
}
