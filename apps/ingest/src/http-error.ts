/**
 * An error answered to the client as JSON: `body` always holds `code` equal to `status` and an
 * `error` text (docs/api.md). Anything else thrown in a handler is a bug and answers a bare 500.
 */
export class HttpError extends Error {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    error: string,
    extra: Record<string, unknown> = {},
    headers: Record<string, string> = {},
  ) {
    super(error);
    this.status = status;
    this.body = { code: status, error, ...extra };
    this.headers = headers;
  }
}

/** docs/api.md `400` for a missing parameter. */
export const missingField = (field: string): HttpError =>
  new HttpError(400, 'Request missing required field', { missing_field: field });

/**
 * nginx's `499`: the client closed its connection while its request waited (for its project's
 * `where` budget). Nobody reads it, and `gi_http_requests_total`, counted when an answer is
 * sent, does not count it.
 */
export const clientClosedRequest = (): HttpError => new HttpError(499, 'Client closed request');

/** docs/api.md `413`. */
export const payloadTooLarge = (reason: string): HttpError =>
  new HttpError(413, 'Payload too large', { reason });

/** docs/api.md `429`: the backlog is over its limit. */
export const tooManyRequests = (retryAfterSeconds: number): HttpError =>
  new HttpError(
    429,
    'Too many requests',
    { retry_after_seconds: retryAfterSeconds },
    { 'Retry-After': String(retryAfterSeconds) },
  );

/**
 * docs/api.md `429`: the project's rate limit (`ratePerS` identifications a second) is reached;
 * `Retry-After` is `retryAfterMs` in whole seconds, rounded up.
 */
export const rateLimited = (retryAfterMs: number, ratePerS: number): HttpError =>
  overBudget(
    retryAfterMs,
    `over the project's rate limit of ${ratePerS} identifications per second`,
  );

/**
 * docs/api.md `429` of a pace the project went past (its rate limit, its `where` query budget):
 * when to try again, in ms and (`Retry-After`) in whole seconds rounded up, and why.
 */
export const overBudget = (retryAfterMs: number, reason: string): HttpError =>
  new HttpError(
    429,
    'Too many requests',
    { retry_after_ms: retryAfterMs, reason },
    { 'Retry-After': String(Math.ceil(retryAfterMs / 1000)) },
  );

/** docs/api.md `403`: an erasure through the public api_key, which the project does not allow. */
export const publicEraseRefused = (): HttpError =>
  new HttpError(403, 'Forbidden', {
    reason:
      'erasing a group needs the secret key (DELETE /api/groups/{type}/{value}); ' +
      'this project does not allow erasures through its public api_key',
  });

/** docs/api.md `503`: Redis (or the project store) unreachable, or the enqueue failed. */
export const serviceUnavailable = (retryAfterSeconds = 1): HttpError =>
  new HttpError(503, 'Service unavailable', {}, { 'Retry-After': String(retryAfterSeconds) });
