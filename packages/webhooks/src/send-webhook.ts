import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { isPublicAddress, privateRefusal, refusalBeforeDns } from './destination-url.js';

/** One delivery to make. */
export interface WebhookRequest {
  url: string;
  /** The destination's `whsec_…` secret. */
  secret: string;
  /** `webhook-id`: the same on every attempt of one change. */
  id: string;
  /** The JSON body, as sent and signed. */
  body: string;
  timeoutMs: number;
  allowPrivate: boolean;
  /** Gives up at once when it aborts (the outcome: not ok, `error` "cancelled"). */
  signal?: AbortSignal;
  now?: Date;
}

/** What one attempt came to: `ok` for a `2xx` answer. */
export interface WebhookOutcome {
  ok: boolean;
  status?: number;
  /** Set when not ok: short, with at most {@link EXCERPT_CHARS} of the answer's body. */
  error?: string;
  durationMs: number;
}

/** Characters of a failed answer's body kept in its error (nothing else of a body is kept). */
export const EXCERPT_CHARS = 200;

/**
 * POSTs one change, signed the Standard Webhooks way (`webhook-id`, `webhook-timestamp`,
 * `webhook-signature`), and waits at most `timeoutMs` for the whole answer. The address checks of
 * {@link refusalOf} run again here, on the very address connected to (after DNS), so a name that
 * resolved to a public address at creation cannot be pointed inside later.
 */
export async function sendWebhook(request: WebhookRequest): Promise<WebhookOutcome> {
  const started = performance.now();
  const took = () => Math.round(performance.now() - started);
  const refusal = refusalBeforeDns(request.url, request.allowPrivate);
  if (refusal !== undefined) return { ok: false, error: `refused: ${refusal}`, durationMs: took() };
  const url = new URL(request.url);
  const now = request.now ?? new Date();
  const signature = new Webhook(request.secret).sign(request.id, now, request.body);
  const body = Buffer.from(request.body, 'utf8');
  return new Promise((resolve) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(
      url,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': String(body.length),
          'user-agent': 'groupidentify-webhooks',
          'webhook-id': request.id,
          'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
          'webhook-signature': signature,
        },
        lookup: request.allowPrivate ? undefined : publicOnlyLookup,
        // Connections are kept and reused: a new one per change would leave thousands of sockets
        // in TIME_WAIT at full speed. A reused one was checked when it was made.
        agent: url.protocol === 'https:' ? httpsAgent : httpAgent,
      },
      (res) => {
        const status = res.statusCode ?? 0;
        let excerpt = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (excerpt.length < EXCERPT_CHARS) excerpt += chunk.slice(0, EXCERPT_CHARS);
        });
        res.on('end', () => {
          clearTimeout(timer);
          const ok = status >= 200 && status < 300;
          const text = excerpt.slice(0, EXCERPT_CHARS).trim();
          resolve(
            ok
              ? { ok, status, durationMs: took() }
              : {
                  ok,
                  status,
                  error: `HTTP ${status}${text === '' ? '' : `: ${text}`}`,
                  durationMs: took(),
                },
          );
        });
        res.on('error', (err) => finish(err.message));
      },
    );
    const finish = (error: string) => {
      clearTimeout(timer);
      req.destroy();
      resolve({ ok: false, error, durationMs: took() });
    };
    const timer = setTimeout(
      () => finish(`no answer within ${request.timeoutMs} ms`),
      request.timeoutMs,
    );
    req.on('error', (err) => finish(err.message));
    request.signal?.addEventListener('abort', () => finish('cancelled'), { once: true });
    req.end(body);
  });
}

// Idle connections are closed after 4 s: before the usual 5 s of a receiver's own keep-alive,
// so that a request is rarely sent on a connection the receiver is closing.
const AGENT_OPTIONS = { keepAlive: true, timeout: 4_000, maxSockets: 64 };
const httpAgent = new HttpAgent(AGENT_OPTIONS);
const httpsAgent = new HttpsAgent(AGENT_OPTIONS);

/** A DNS lookup that fails for a host resolving to a non-public address. */
const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
    if (err !== null) return callback(err, '', 0);
    const inside = addresses.find((a) => !isPublicAddress(a.address));
    if (inside !== undefined)
      return callback(
        new Error(`refused: ${privateRefusal(`${hostname} (${inside.address})`)}`),
        '',
        0,
      );
    if (options.all === true) return callback(null, addresses, 0);
    const first = addresses[0] as LookupAddress;
    callback(null, first.address, first.family);
  });
};
