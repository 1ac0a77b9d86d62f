import {
  identificationsFromSegmentCalls,
  readSegmentRequest,
  segmentField,
} from '@groupidentify/ops';
import { Router, type Request, type Response } from 'express';
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

const NAMING: PlatformNaming = { platform: 'segment', noun: 'call', field: segmentField };

/**
 * Segment's HTTP Tracking API, `POST /v1/batch` and `POST /v1/group` (docs/sdks.md): `group`
 * calls become identifications, every other call type is answered as accepted, ignored and
 * counted. The write key is the Basic auth user (what the SDK sends), else the body's `writeKey`.
 * Answers as Segment does: `200 {"success":true}`; a body it cannot take is a 400 (Segment has
 * no 413), which the SDK never retries; 429 and 503 it retries.
 */
export function segmentRoutes(deps: PlatformDeps): Router {
  const router = Router({ strict: true });
  router.all(['/v1/batch', '/v1/group'], allowMethods('POST'), platformBody, async (req, res) => {
    const receivedAt = Date.now();
    const batch = req.path === '/v1/batch';
    const request = readSegmentRequest(parseJson(req), batch);
    if (!request.ok) throw new HttpError(400, request.reason);
    const writeKey = basicAuthUser(req) ?? request.writeKey;
    const project = await projectOfKey(deps, writeKey, 'missing write key');
    const calls = identificationsFromSegmentCalls(request.calls, {
      defaultGroupType: deps.segmentGroupType,
      ...(batch ? {} : { type: 'group' }),
    });
    await acceptPlatformCalls(deps, NAMING, project, calls, receivedAt);
    res.json({ success: true });
  });
  router.use(platformErrors(deps.logger, answerFailure));
  return router;
}

function parseJson(req: Request): unknown {
  const raw = req.body as Buffer | undefined;
  try {
    return JSON.parse(raw?.toString('utf8') ?? '') as unknown;
  } catch {
    throw new HttpError(400, 'Invalid JSON');
  }
}

/** The user of `Authorization: Basic base64(writeKey:)`; undefined without a usable one. */
function basicAuthUser(req: Request): string | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(req.headers.authorization ?? '');
  if (match?.[1] === undefined) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const user = colon === -1 ? decoded : decoded.slice(0, colon);
  return user === '' ? undefined : user;
}

/** Segment's answer to a refusal: too large and unreadable bodies are its 400. */
function answerFailure(res: Response, failure: PlatformFailure): void {
  const status = failure.status === 413 || failure.status === 415 ? 400 : failure.status;
  res.status(status).json({ success: false, message: failure.message });
}
