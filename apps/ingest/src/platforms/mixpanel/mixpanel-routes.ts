import {
  decodeMixpanelData,
  mixpanelField,
  readMixpanelUpdates,
  type TokenReading,
} from '@groupidentify/ops';
import { Router, type Request, type Response } from 'express';
import { formParams } from '../../form-params.js';
import { HttpError, publicEraseRefused } from '../../http-error.js';
import { single } from '../../single-value.js';
import {
  acceptPlatformCalls,
  projectOfKey,
  type PlatformNaming,
} from '../accept-platform-calls.js';
import { erasuresOf } from './mixpanel-group-deletion.js';
import { allowMethods } from '../../allow-methods.js';
import { platformBody } from '../platform-body.js';
import { platformErrors, type PlatformFailure } from '../platform-failure.js';
import type { PlatformDeps } from '../platform-routes.js';

const NAMING: PlatformNaming = { platform: 'mixpanel', noun: 'update', field: mixpanelField };

/**
 * Mixpanel's group profile API, `GET|POST /groups` (docs/sdks.md): `data` (JSON or base64 JSON,
 * one update or an array) in the query or a form body, or the JSON itself as the body. Answers
 * as Mixpanel does — `1`/`0`, or with `verbose=1` `{"status":1|0,"error":…}` — which is all the
 * SDK reads; the status says the rest (400, 401, 403, 413, 429, 503).
 */
export function mixpanelRoutes(deps: PlatformDeps): Router {
  // Strict like the app's other platform routes: `/groups` and `/groups/` only.
  const router = Router({ strict: true });
  router.all(
    ['/groups', '/groups/'],
    allowMethods('GET', 'POST'),
    platformBody,
    async (req, res) => {
      const receivedAt = Date.now();
      const params = mixpanelParams(req);
      res.locals['verbose'] = params.verbose;
      if (params.data === undefined || params.data === '')
        throw new HttpError(400, 'data, missing or empty');
      const decoded = decodeMixpanelData(params.data);
      if (!decoded.ok) throw new HttpError(400, decoded.reason);
      const updates = readMixpanelUpdates(decoded.value);
      const project = await projectOfKey(deps, tokenOf(updates.token), 'token, missing or empty');
      // The token ships in web pages: erasing through it is the project's choice, off by default.
      if (updates.deletions.length > 0 && !project.allow_public_erase) throw publicEraseRefused();
      const erasures = erasuresOf(updates.deletions, updates.problems);
      await acceptPlatformCalls(deps, NAMING, project, updates, receivedAt, erasures);
      answer(res, params.verbose, undefined);
    },
  );
  router.use(
    platformErrors(deps.logger, (res, failure, req) => {
      answer(res, verboseOf(req, res), failure);
    }),
  );
  return router;
}

/** The key of the updates; a request mixing tokens is refused, not split across projects. */
function tokenOf(token: TokenReading): string | undefined {
  if (token.ok) return token.token;
  if (token.reason === 'mixed')
    throw new HttpError(401, 'every update of one request must carry the same $token');
  return undefined;
}

interface MixpanelParams {
  data: string | undefined;
  verbose: boolean;
}

/**
 * `data` and `verbose` from the body first, then the query. A JSON body (declared, or sniffed
 * by its first character) is the data itself; any other body is a form.
 */
function mixpanelParams(req: Request): MixpanelParams {
  const fromQuery = {
    data: single(req.query['data']),
    verbose: single(req.query['verbose']) === '1',
  };
  const raw = req.body as Buffer | undefined;
  if (raw === undefined || raw.length === 0) return fromQuery;
  const text = raw.toString('utf8');
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const start = text.trimStart()[0];
  const json =
    type === 'application/json' ||
    (type !== 'application/x-www-form-urlencoded' && (start === '{' || start === '['));
  if (json) return { data: text, verbose: fromQuery.verbose };
  const form = formParams(text, ['data', 'verbose']);
  return {
    data: form.data ?? fromQuery.data,
    verbose: fromQuery.verbose || form.verbose === '1',
  };
}

function verboseOf(req: Request, res: Response): boolean {
  const known: unknown = res.locals['verbose'];
  return typeof known === 'boolean' ? known : single(req.query['verbose']) === '1';
}

/** Mixpanel's answer: `1`/`0` as text, or `{"status","error"}` with `verbose=1`. */
function answer(res: Response, verbose: boolean, failure: PlatformFailure | undefined): void {
  if (verbose) res.json({ status: failure === undefined ? 1 : 0, error: failure?.message ?? null });
  else res.type('text/plain').send(failure === undefined ? '1' : '0');
}
