import type { RequestHandler } from 'express';
import type { Store } from '@groupidentify/store';
import { HttpError, serviceUnavailable } from '../http-error.js';
import type { SignInThrottle } from '../sign-in-throttle.js';

/** The `401` body of the read API. */
export const unauthorized = (): HttpError =>
  new HttpError(401, 'Unauthorized', {}, { 'WWW-Authenticate': 'Basic realm="groupidentify"' });

/**
 * HTTP Basic with `api_key:secret_key` (Amplitude's Dashboard REST API convention). The project
 * id is put in `res.locals.project`; every read then filters on it, so one project's keys never
 * see another's groups. The secret is compared by hash in constant time. Wrong credentials count
 * as failed sign-ins of the client's address; too many, and it gets 429 for a while (`throttle`).
 */
export function basicAuth(store: Store, throttle?: SignInThrottle): RequestHandler {
  return async (req, res, next) => {
    throttle?.check(req);
    const credentials = parseBasic(req.headers.authorization);
    if (credentials === undefined) {
      // Without an Authorization header it is not a guess (a browser asks first, then signs in).
      if (req.headers.authorization !== undefined) throttle?.failed(req);
      throw unauthorized();
    }
    let project: string | undefined;
    try {
      project = await store.projects.authenticate(credentials.user, credentials.password);
    } catch {
      throw serviceUnavailable();
    }
    if (project === undefined) {
      throttle?.failed(req);
      throw unauthorized();
    }
    res.locals['project'] = project;
    next();
  };
}

export function parseBasic(
  header: string | undefined,
): { user: string; password: string } | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (match?.[1] === undefined) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
