/** A request to the service that did not succeed, with a message a person can act on. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    /** The HTTP status; 0 when the server could not be reached at all. */
    readonly status: number,
    message: string,
    /** The `WWW-Authenticate` of a 401: says which authentication the server wanted. */
    readonly challenge = '',
    /** The error body's `error`, `reason` and `field`, as the server wrote them (docs/api.md). */
    readonly detail: { error?: string; reason?: string; field?: string } = {},
  ) {
    super(message);
  }
}

/** The service's error body (docs/api.md): `{code, error, reason?, field?}`. */
interface ErrorBody {
  error?: unknown;
  reason?: unknown;
  field?: unknown;
}

/** "401 Unauthorized: …" from a response that failed, plus what the caller knows it means. */
export function apiErrorOf(
  status: number,
  body: unknown,
  meaning: string | undefined,
  challenge: string,
): ApiError {
  const { error, reason, field } = (
    typeof body === 'object' && body !== null ? body : {}
  ) as ErrorBody;
  const parts = [typeof error === 'string' ? `${status} ${error}` : `HTTP ${status}`];
  if (typeof field === 'string') parts.push(`(${field})`);
  if (typeof reason === 'string') parts.push(`— ${reason}`);
  const summary = parts.join(' ');
  return new ApiError(
    status,
    meaning === undefined ? summary : `${meaning} (${summary})`,
    challenge,
    {
      ...(typeof error === 'string' ? { error } : {}),
      ...(typeof reason === 'string' ? { reason } : {}),
      ...(typeof field === 'string' ? { field } : {}),
    },
  );
}

/**
 * Why the server refused a `where` filter (`400 {"error":"Invalid where","reason":…}`), or
 * undefined when `error` is anything else.
 */
export function invalidWhereReason(error: unknown): string | undefined {
  if (!(error instanceof ApiError) || error.status !== 400) return undefined;
  if (error.detail.error !== 'Invalid where') return undefined;
  return error.detail.reason ?? 'the server gave no reason';
}

/** The message to show for anything a request threw. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
