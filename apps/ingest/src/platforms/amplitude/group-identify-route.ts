import { validateIdentificationBatch, type ValidationProblem } from '@groupidentify/ops';
import type { Request, Response } from 'express';
import { acceptIdentifications, type AcceptDeps } from '../../accept-identifications.js';
import { HttpError, missingField, payloadTooLarge } from '../../http-error.js';
import { projectOrUnavailable, type ProjectLookup } from '../../project-lookup.js';
import { readRequestParams } from '../../request-params.js';

export interface GroupIdentifyDeps extends AcceptDeps {
  lookupProject: ProjectLookup;
}

/** At most this many problems are listed in a 400 (a 1 MB body of `{}`s would list ~1M). */
const MAX_LISTED_PROBLEMS = 100;

/**
 * `POST|GET /groupidentify` (docs/api.md). Checks run in the order of docs/api.md's error table; the first failing
 * one answers. `200 success` is sent only once every identification is durably enqueued.
 */
export function groupIdentifyHandler(deps: GroupIdentifyDeps) {
  return async (req: Request, res: Response): Promise<void> => {
    const receivedAt = Date.now();
    const params = readRequestParams(
      req.body as Buffer | undefined,
      req.headers['content-type'],
      req.query,
    );
    if (params.api_key === undefined) throw missingField('api_key');
    if (params.identification === undefined) throw missingField('identification');
    const project = await projectOrUnavailable(deps.lookupProject, params.api_key);
    if (project === undefined) throw new HttpError(400, 'Invalid API key');
    const validation = validateIdentificationBatch(parseIdentification(params.identification));
    if (!validation.ok && validation.status === 400)
      throw invalidIdentification(validation.problems);
    if (!validation.ok) throw payloadTooLarge(validation.reason);
    await acceptIdentifications(deps, project, validation.identifications, receivedAt);
    // Written directly: Express's `send` would hash the body for an ETag and check freshness,
    // for a constant answer no client caches.
    res.writeHead(200, SUCCESS_HEADERS).end(SUCCESS);
  };
}

const SUCCESS = Buffer.from('success');
const SUCCESS_HEADERS = {
  'content-type': 'text/plain; charset=utf-8',
  'content-length': String(SUCCESS.length),
};

function parseIdentification(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    throw new HttpError(400, 'Invalid JSON in identification');
  }
}

function invalidIdentification(problems: ValidationProblem[]): HttpError {
  const extra: Record<string, unknown> = { invalid: problems.slice(0, MAX_LISTED_PROBLEMS) };
  if (problems.length > MAX_LISTED_PROBLEMS) extra['invalid_count'] = problems.length;
  return new HttpError(400, 'Invalid identification', extra);
}
