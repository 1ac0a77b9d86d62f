import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { LIMITS } from '@groupidentify/ops';
import type { Request } from 'express';
import { HttpError, payloadTooLarge } from '../../http-error.js';
import { single } from '../../single-value.js';

const gunzipAsync = promisify(gunzip);

/** The first bytes of every gzip stream. */
const GZIP_MAGIC = Buffer.from([0x1f, 0x8b]);

/**
 * The JSON of a PostHog capture body. The server SDKs send JSON with `Content-Encoding: gzip`
 * (already inflated by body-parser); posthog-js sends `?compression=gzip-js` with no such header,
 * so a body still gzipped, recognised by its magic bytes (JSON never starts with them), is
 * inflated here under the same 1 MB limit on what comes out. Other compressions (`lz64`,
 * `base64`) are refused.
 */
export async function postHogJson(req: Request): Promise<unknown> {
  let body = req.body as Buffer | undefined;
  if (body === undefined || body.length === 0)
    throw new HttpError(400, 'request missing data payload');
  const compression = single(req.query['compression']);
  if (compression !== undefined && !['gzip', 'gzip-js', ''].includes(compression))
    throw new HttpError(400, `unsupported compression: ${compression}`);
  if (startsWithGzip(body)) body = await inflate(body);
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    throw new HttpError(400, 'failed to parse request: not valid JSON');
  }
}

function startsWithGzip(body: Buffer): boolean {
  return body.subarray(0, 2).equals(GZIP_MAGIC);
}

async function inflate(body: Buffer): Promise<Buffer> {
  try {
    return await gunzipAsync(body, { maxOutputLength: LIMITS.maxBodyBytes });
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE')
      throw payloadTooLarge(`body over ${LIMITS.maxBodyBytes} bytes`);
    throw new HttpError(400, 'failed to decode request: corrupt gzip body');
  }
}
