import type { RequestHandler } from 'express';
import type { Store } from '@groupidentify/store';
import { HttpError, serviceUnavailable } from '../http-error.js';

/** The `401` body of the read API. */
export const unauthorized = (): HttpError =>
  new HttpError(401, 'Unauthorized', {}, { 'WWW-Authenticate': 'Basic realm="groupidentify"' });

/**
 * HTTP Basic with `api_key:secret_key` (Amplitude's Dashboard REST API convention). The project
 * id is put in `res.locals.project`; every read then filters on it, so one project's keys never
 * see another's groups. The secret is compared by hash in constant time.
 */
export function basicAuth(store: Store): RequestHandler {
  return async (req, res, next) => {
    const credentials = parseBasic(req.headers.authorization);
    if (credentials === undefined) throw unauthorized();
    let project: string | undefined;
    try {
      project = await store.projects.authenticate(credentials.user, credentials.password);
    } catch {
      throw serviceUnavailable();
    }
    if (project === undefined) throw unauthorized();
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
