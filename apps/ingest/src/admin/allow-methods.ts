import type { RequestHandler } from 'express';
import { HttpError } from '../http-error.js';

/** The 405 of a known path asked with another method, naming the methods it takes (docs/api.md). */
export function allowMethods(...methods: string[]): RequestHandler {
  return (_req, res, next) => {
    res.setHeader('Allow', methods.join(', '));
    next(new HttpError(405, 'Method not allowed'));
  };
}
