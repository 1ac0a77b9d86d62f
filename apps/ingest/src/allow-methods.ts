import type { RequestHandler } from 'express';
import { HttpError } from './http-error.js';

/**
 * The one method guard of every route (docs/api.md): a request with one of `methods` goes on;
 * any other gets the service's own `405` with `Allow` naming them (a platform's SDK never sends a
 * wrong method, so no platform answers one in its own shape).
 */
export function allowMethods(...methods: string[]): RequestHandler {
  return (req, _res, next) => {
    if (methods.includes(req.method)) {
      next();
      return;
    }
    next(new HttpError(405, 'Method not allowed', {}, { Allow: methods.join(', ') }));
  };
}
