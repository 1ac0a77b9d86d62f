import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { HttpError } from '../http-error.js';
import type { SignInThrottle } from '../sign-in-throttle.js';

/** The `401` of the operator endpoints: the read API's body, with a Bearer challenge. */
const unauthorized = (): HttpError =>
  new HttpError(
    401,
    'Unauthorized',
    {},
    { 'WWW-Authenticate': 'Bearer realm="groupidentify-admin"' },
  );

// Both sides are hashed first so that the comparison takes the same time whatever the length of
// what was presented (timingSafeEqual needs equal lengths, and a length check would leak it).
const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/**
 * `Authorization: Bearer <ADMIN_TOKEN>`, compared in constant time; anything else is a 401, and a
 * wrong token counts as a failed sign-in of the client's address (too many: 429, `throttle`).
 */
export function bearerAuth(token: string, throttle?: SignInThrottle): RequestHandler {
  const expected = digest(token);
  return (req, _res, next) => {
    throttle?.check(req);
    const presented = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
    if (presented === undefined || !timingSafeEqual(digest(presented), expected)) {
      if (req.headers.authorization !== undefined) throttle?.failed(req);
      throw unauthorized();
    }
    next();
  };
}
