import { gzipSync } from 'node:zlib';

export interface SendOptions {
  method?: string;
  path?: string;
  query?: Record<string, string>;
  /** Sent as `application/x-www-form-urlencoded`. */
  form?: Record<string, string>;
  /** Sent as `application/json`. */
  json?: unknown;
  /** Sent as is, with `contentType` if given. */
  body?: string | Buffer;
  contentType?: string;
  gzip?: boolean;
  headers?: Record<string, string>;
}

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON (throws if it is not). */
  json: () => unknown;
}

/** One HTTP request to a test server; the body is read whole. */
export async function send(baseUrl: string, options: SendOptions): Promise<Reply> {
  const url = new URL(options.path ?? '/groupidentify', baseUrl);
  for (const [k, v] of Object.entries(options.query ?? {})) url.searchParams.set(k, v);
  const headers: Record<string, string> = { ...options.headers };
  let body: Buffer | undefined;
  if (options.form !== undefined) {
    body = Buffer.from(new URLSearchParams(options.form).toString());
    headers['content-type'] = 'application/x-www-form-urlencoded';
  } else if (options.json !== undefined) {
    body = Buffer.from(JSON.stringify(options.json));
    headers['content-type'] = 'application/json';
  } else if (options.body !== undefined) {
    body = Buffer.from(options.body);
  }
  if (options.contentType !== undefined) headers['content-type'] = options.contentType;
  if (options.gzip === true && body !== undefined) {
    body = gzipSync(body);
    headers['content-encoding'] = 'gzip';
  }
  const res = await fetch(url, {
    method: options.method ?? 'POST',
    headers,
    ...(body === undefined ? {} : { body }),
  });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    text,
    json: () => JSON.parse(text) as unknown,
  };
}

/** An `Authorization: Basic` value, e.g. the read API's `api_key:secret_key`. */
export function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}
