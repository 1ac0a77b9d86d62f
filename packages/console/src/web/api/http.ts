import { ApiError, apiErrorOf } from './api-error';

/**
 * The service's `/api/` next to the page (`/console/` → `/api/`), so the console also works
 * behind a proxy that mounts the whole service under a prefix.
 */
export function apiUrl(path: string, query: Record<string, string | undefined> = {}): string {
  const url = new URL(`../api/${path}`, document.baseURI);
  for (const [name, value] of Object.entries(query))
    if (value !== undefined && value !== '') url.searchParams.set(name, value);
  return url.toString();
}

/** Messages for statuses whose meaning depends on the endpoint (e.g. a 401 means wrong keys). */
export type StatusMeanings = Partial<Record<number, string>>;

/**
 * One JSON request; `json`, if given, is sent as its JSON body. `credentials: 'omit'`: the page
 * sends its own Authorization header, and the browser must neither add remembered credentials nor
 * show its own sign-in dialog on a 401. An answer without a body (`204`) resolves to undefined.
 */
export async function requestJson<T>(
  url: string,
  init: { method?: string; authorization: string; signal?: AbortSignal; json?: unknown },
  meanings: StatusMeanings = {},
): Promise<T> {
  const headers: Record<string, string> = {
    authorization: init.authorization,
    accept: 'application/json',
  };
  if (init.json !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(url, {
      method: init.method ?? 'GET',
      headers,
      credentials: 'omit',
      cache: 'no-store',
      ...(init.json === undefined ? {} : { body: JSON.stringify(init.json) }),
      ...(init.signal === undefined ? {} : { signal: init.signal }),
    });
  } catch {
    throw new ApiError(0, 'The server could not be reached. Is ingest running?');
  }
  const body = parseJson(await response.text());
  if (!response.ok) throw failureOf(response, body, meanings);
  return body as T;
}

/** The error a response that failed stands for: its status, the body's words, their meaning. */
export function failureOf(response: Response, body: unknown, meanings: StatusMeanings): ApiError {
  const challenge = response.headers.get('www-authenticate') ?? '';
  return apiErrorOf(response.status, body, meanings[response.status], challenge);
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** `Basic base64(user:password)`, UTF-8 safe (btoa alone takes only Latin-1). */
export function basicAuthorization(user: string, password: string): string {
  const bytes = new TextEncoder().encode(`${user}:${password}`);
  return `Basic ${btoa(String.fromCharCode(...bytes))}`;
}
