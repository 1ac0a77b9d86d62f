import { gzipSync } from 'node:zlib';
import type { FuzzRequest } from './fuzz-requests.js';

// How a generated FuzzRequest goes on the wire, and which ones docs/api.md says must be accepted.

const json = (value: unknown): string => JSON.stringify(value);

const GZIP_BOMB = gzipSync(Buffer.alloc(8 * 1024 * 1024, 0x61));

/** `fetch` arguments for a fuzz request against `baseUrl` with the project's real key. */
export function toFetch(
  request: FuzzRequest,
  baseUrl: string,
  validKey: string,
): [string, RequestInit] {
  // Built by hand: URL/URLSearchParams would re-encode the deliberately malformed query.
  const query = [request.query];
  const key = request.apiKey === 'valid' ? validKey : 'not-a-key';
  let body = request.body;
  const headers: Record<string, string> = {};
  if (request.contentType !== undefined) headers['content-type'] = request.contentType;
  if (request.method === 'GET') {
    // No body on a GET (fetch refuses one): a form goes into the query string instead.
    if (request.bodyKind === 'form' && body !== undefined) query.push(body.toString('utf8'));
    if (request.apiKey !== 'missing') query.push(`api_key=${key}`);
    return [`${baseUrl}/groupidentify?${query.join('&')}`, { method: 'GET', headers }];
  }
  if (request.apiKey !== 'missing') {
    if (request.apiKeyIn === 'query' || body === undefined) query.push(`api_key=${key}`);
    else body = withApiKey(request, body, key);
  }
  if (body !== undefined && request.encoding !== 'none') {
    const encoded = encode(request, body);
    body = encoded.body;
    headers['content-encoding'] = encoded.encoding;
  }
  const init = { method: request.method, headers, ...(body === undefined ? {} : { body }) };
  return [`${baseUrl}/groupidentify?${query.join('&')}`, init];
}

/**
 * True when docs/api.md leaves no doubt that the request must be accepted: a valid identification
 * and key, POSTed as a form or as JSON under exactly that content type, readable encoding.
 */
export function mustAccept(request: FuzzRequest): boolean {
  const type = request.contentType?.split(';')[0]?.trim().toLowerCase();
  const readable =
    request.encoding === 'none' ||
    request.encoding === 'gzip' ||
    (request.encoding === 'other' && request.otherEncoding === 'identity');
  const typed =
    (request.bodyKind === 'form' && type === 'application/x-www-form-urlencoded') ||
    (request.bodyKind === 'json' && type === 'application/json');
  return (
    request.valid && request.apiKey === 'valid' && request.method === 'POST' && readable && typed
  );
}

function withApiKey(request: FuzzRequest, body: Buffer, key: string): Buffer {
  if (request.bodyKind === 'form') return Buffer.concat([Buffer.from(`api_key=${key}&`), body]);
  if (request.bodyKind === 'json')
    return Buffer.from(`{"api_key":${json(key)},${body.toString('utf8').slice(1)}`);
  return body;
}

function encode(request: FuzzRequest, body: Buffer): { body: Buffer; encoding: string } {
  switch (request.encoding) {
    case 'gzip':
      return { body: gzipSync(body), encoding: 'gzip' };
    case 'corrupt-gzip': {
      const zipped = gzipSync(body);
      // Flip bits in the deflate stream or the trailer (CRC / length), or cut it short.
      const corrupt = Buffer.from(zipped);
      const at = 10 + (body.length % Math.max(1, corrupt.length - 10));
      corrupt[at] = (corrupt[at] ?? 0) ^ 0x5a;
      return {
        body: body.length % 3 === 0 ? zipped.subarray(0, zipped.length - 5) : corrupt,
        encoding: 'gzip',
      };
    }
    case 'gzip-bomb':
      return { body: GZIP_BOMB, encoding: 'gzip' };
    case 'other':
      return { body, encoding: request.otherEncoding };
    case 'none':
      return { body, encoding: 'identity' };
  }
}
