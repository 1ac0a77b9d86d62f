import {
  identificationsFromPostHogEvents,
  postHogField,
  readPostHogRequest,
  type TokenReading,
} from '@groupidentify/ops';
import { Router, type Response } from 'express';
import { HttpError } from '../../http-error.js';
import {
  acceptPlatformCalls,
  projectOfKey,
  type PlatformNaming,
} from '../accept-platform-calls.js';
import { allowMethods } from '../../allow-methods.js';
import { platformBody } from '../platform-body.js';
import { platformErrors, type PlatformFailure } from '../platform-failure.js';
import type { PlatformDeps } from '../platform-routes.js';
import { postHogJson } from './posthog-body.js';

const NAMING: PlatformNaming = { platform: 'posthog', noun: 'event', field: postHogField };

/**
 * PostHog's capture endpoints (docs/sdks.md). `/batch/` only with its slash: `/batch` is
 * Amplitude's Batch API (app.ts), which this router, being strict, never takes. The others
 * answer with or without the slash, as PostHog's do.
 */
export const POSTHOG_PATHS = [
  '/batch/',
  '/capture',
  '/capture/',
  '/e',
  '/e/',
  '/i/v0/e',
  '/i/v0/e/',
];

/**
 * `POST` of `$groupidentify` events (JSON, gzip); every other event is answered as accepted,
 * ignored and counted. Answers as PostHog does: `200 {"status":1}`, or an error whose status the
 * SDK acts on — it retries 408/429/5xx, halves its batch on 413 and drops it on other 4xx.
 */
export function postHogRoutes(deps: PlatformDeps): Router {
  const router = Router({ strict: true });
  router.all(POSTHOG_PATHS, allowMethods('POST'), platformBody, async (req, res) => {
    const receivedAt = Date.now();
    const request = readPostHogRequest(await postHogJson(req));
    if (!request.ok) throw new HttpError(400, `failed to parse request: ${request.reason}`);
    const project = await projectOfKey(
      deps,
      tokenOf(request.token),
      'event submitted without an api_key',
    );
    const calls = identificationsFromPostHogEvents(request.events);
    await acceptPlatformCalls(deps, NAMING, project, calls, receivedAt);
    res.json({ status: 1 });
  });
  router.use(platformErrors(deps.logger, answerFailure));
  return router;
}

function tokenOf(token: TokenReading): string | undefined {
  if (token.ok) return token.token;
  if (token.reason === 'mixed')
    throw new HttpError(401, 'batch submitted with inconsistent api_key values');
  return undefined;
}

/** PostHog's error body (its capture OpenAPI): `{type, code, detail, attr}`. */
function answerFailure(res: Response, failure: PlatformFailure): void {
  const [status, type, code] = postHogError(failure.status);
  res.status(status).json({ type, code, detail: failure.message, attr: null });
}

/** This service's status → the status, `type` and `code` PostHog answers with. */
function postHogError(status: number): [number, string, string] {
  switch (status) {
    case 401:
      return [401, 'authentication_error', 'invalid_api_key'];
    case 413:
      return [413, 'validation_error', 'payload_too_large'];
    case 429:
      return [429, 'throttled_error', 'rate_limited'];
    case 503:
      return [503, 'server_error', 'service_unavailable'];
    default:
      // 400, and 415 (an unknown Content-Encoding): PostHog refuses what it cannot read with 400.
      return [400, 'validation_error', 'invalid_payload'];
  }
}
