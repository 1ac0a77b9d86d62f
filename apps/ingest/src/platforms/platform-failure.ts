import { LIMITS } from '@groupidentify/ops';
import type { ErrorRequestHandler, Request, Response } from 'express';
import type { Logger } from 'pino';
import { HttpError } from '../http-error.js';

/** A refusal, whatever raised it, before it is answered in a platform's own shape. */
export interface PlatformFailure {
  /** This service's status: each platform maps it onto the codes its SDK understands. */
  status: number;
  /** The reason, for a human reading the SDK's error. */
  message: string;
  headers: Record<string, string>;
}

/**
 * The failure behind an error thrown in a platform route: an {@link HttpError} (ours, or
 * `acceptIdentifications`'s 429/503), or one of body-parser's 4xx (body over 1 MB, a corrupt or
 * unsupported compression, an aborted upload). Anything else is a bug: `undefined`.
 */
export function toPlatformFailure(err: unknown): PlatformFailure | undefined {
  if (err instanceof HttpError) {
    const reason = err.body['reason'];
    const message = typeof reason === 'string' ? `${err.message}: ${reason}` : err.message;
    return { status: err.status, message, headers: err.headers };
  }
  const status = (err as { status?: unknown } | null)?.status;
  if (typeof status !== 'number' || status < 400 || status >= 500) return undefined;
  if (status === 413) {
    return {
      status,
      message: `Payload too large: body over ${LIMITS.maxBodyBytes} bytes`,
      headers: {},
    };
  }
  const detail = err instanceof Error ? err.message : 'unreadable body';
  const error = status === 415 ? 'Unsupported content encoding' : 'Bad request';
  return { status, message: `${error}: ${detail}`, headers: {} };
}

/** Writes one failure in a platform's shape; status and headers are already set. */
export type RenderFailure = (res: Response, failure: PlatformFailure, req: Request) => void;

/**
 * A platform router's error handler: every client mistake is answered in the platform's shape
 * (its SDK reads it), never as a 5xx. A bug goes on to the app's handler (a logged 500), and so
 * does a 405: no SDK sends a wrong method, so it gets the service's own 405 (docs/api.md).
 */
export function platformErrors(logger: Logger, render: RenderFailure): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    const failure = toPlatformFailure(err);
    if (failure === undefined || failure.status === 405) {
      next(err);
      return;
    }
    if (failure.status >= 500) logger.warn({ err }, failure.message);
    res.status(failure.status).set(failure.headers);
    render(res, failure, req);
  };
}
