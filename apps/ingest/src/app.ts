import { LIMITS } from '@groupidentify/ops';
import express, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { Queue } from 'bullmq';
import type { ChangeNotices, JobPayload } from '@groupidentify/queue-contract';
import type { Store } from '@groupidentify/store';
import { allowMethods } from './allow-methods.js';
import {
  groupIdentifyHandler,
  type GroupIdentifyDeps,
} from './platforms/amplitude/group-identify-route.js';
import { httpApiHandler } from './platforms/amplitude/http-api-route.js';
import { HttpError, payloadTooLarge } from './http-error.js';
import { openApiDocument } from './openapi-document.js';
import { readRoutes, type ReadLimits } from './read-api/read-routes.js';
import { queryTimedOut } from './read-api/store-failure.js';
import { adminRoutes } from './admin/admin-routes.js';
import { consoleRoutes } from './console/console-routes.js';
import { platformRoutes } from './platforms/platform-routes.js';
import { SignInThrottle, type SignInLimits } from './sign-in-throttle.js';

/** The OpenAPI 3.1 description of every endpoint, kept in apps/ingest/openapi/. */
const OPENAPI = JSON.stringify(openApiDocument());

/** Everything the HTTP app needs, created by main.ts (or a test) and passed in. */
export interface AppDeps extends GroupIdentifyDeps {
  logger: Logger;
  store: Store;
  /** group_type of a Segment `group` call whose traits carry none. */
  segmentGroupType: string;
  /** The partition queues, by partition. */
  queues: readonly Queue<JobPayload>[];
  /** Wakes change feed readers when a worker commits changes. */
  changeNotices: ChangeNotices;
  /** Aborted when the process stops: long polls answer at once, change streams end. */
  shutdown: AbortSignal;
  /** `ADMIN_TOKEN`; undefined and the operator endpoints do not exist. */
  adminToken: string | undefined;
  /** Caps of the read API (docs/guarantees.md#sharing-one-service-between-projects). */
  readLimits: ReadLimits;
  /** `DESTINATIONS_ALLOW_PRIVATE`: webhook URLs may point at private addresses. */
  allowPrivateDestinations: boolean;
  /** Failed sign-ins allowed per client address (docs/guarantees.md#failed-sign-ins). */
  signInLimits: SignInLimits;
  /** Express's `trust proxy` (`TRUST_PROXY`): which proxies' `X-Forwarded-For` names the client. */
  trustProxy: boolean | number | string;
  /** Whether Redis and MongoDB answer now (for `/readyz`). */
  checkReady: () => Promise<Record<string, boolean>>;
}

/** The ingest HTTP app (docs/api.md). No I/O happens here until a request arrives. */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.set('trust proxy', deps.trustProxy);
  const signInThrottle = new SignInThrottle(deps.signInLimits);
  app.use(countRequests(deps));

  // Raw bytes, gunzipped by body-parser; over 1 MB is refused before anything is parsed.
  const body = express.raw({ type: () => true, limit: LIMITS.maxBodyBytes, inflate: true });
  // The hot path first: Express tries its routes in order, and every layer passed costs time.
  app.all('/groupidentify', allowMethods('GET', 'POST'), body, groupIdentifyHandler(deps));
  // Before Amplitude's /batch: some of the other platforms' paths differ from Amplitude's only by
  // a trailing slash.
  app.use(platformRoutes(deps));
  for (const path of ['/2/httpapi', '/batch'])
    app.all(path, allowMethods('POST'), body, httpApiHandler(deps));

  // Answers under /api (errors included) are about one project's data or the operator's: never
  // kept by a browser or a shared cache.
  app.use('/api', (_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });
  if (deps.adminToken !== undefined)
    app.use(
      '/api/admin',
      mountedAt('/api/admin'),
      adminRoutes({
        token: deps.adminToken,
        store: deps.store,
        queues: deps.queues,
        backlog: deps.backlog,
        partitions: deps.partitions,
        signInThrottle,
      }),
    );
  // Without ADMIN_TOKEN the operator endpoints do not exist, for anyone (docs/console.md).
  else
    app.use('/api/admin', (_req, _res, next) => {
      next(new HttpError(404, 'Not found'));
    });
  app.use('/api', mountedAt('/api'), readRoutes({ ...deps, signInThrottle }));
  app.use('/console', mountedAt('/console'), consoleRoutes());

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const checks = await deps.checkReady();
    const ready = Object.values(checks).every(Boolean);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', checks });
  });
  app.get('/openapi.json', (_req, res) => {
    res.type('application/json').send(OPENAPI);
  });
  app.use((_req, _res, next) => {
    next(new HttpError(404, 'Not found'));
  });
  app.use(errorHandler(deps.logger, deps.store));
  return app;
}

/**
 * Counts every answered request by route pattern (`/api/groups/:type/:value`, never the values
 * in it: the label's values stay few) and status; `other` for paths no route matched.
 */
function countRequests(deps: AppDeps): RequestHandler {
  return (req, res, next) => {
    res.on('finish', () => {
      const pattern = (req.route as { path?: unknown } | undefined)?.path;
      // A route of several fixed paths (PostHog's) is labelled with the one that matched.
      const matched = Array.isArray(pattern) && pattern.includes(req.path) ? req.path : pattern;
      const route =
        typeof matched === 'string' ? `${String(res.locals['mount'] ?? '')}${matched}` : 'other';
      deps.metrics.requests.inc({ route, status: String(res.statusCode) });
    });
    next();
  };
}

/** Notes where a router is mounted, for the route label (Express forgets it on errors). */
function mountedAt(path: string): RequestHandler {
  return (_req, res, next) => {
    res.locals['mount'] = path;
    next();
  };
}

/** Known errors answer their JSON body; body-parser's 4xx keep their status; bugs answer 500. */
function errorHandler(logger: Logger, store: Store): ErrorRequestHandler {
  return (err: unknown, _req, res, _next) => {
    if (res.headersSent) {
      // A streamed answer (export, change feed) failed part-way: cut it, so the client sees an
      // incomplete response rather than a complete-looking one.
      logger.warn({ err }, 'streamed response failed');
      res.destroy();
      return;
    }
    const error = queryTimedOut(err, store) ?? toHttpError(err);
    if (error === undefined) {
      logger.error({ err }, 'unhandled error');
      res.status(500).json({ code: 500, error: 'Internal server error' });
      return;
    }
    if (error.status >= 500) logger.warn({ err }, error.message);
    res.status(error.status).set(error.headers).json(error.body);
  };
}

function toHttpError(err: unknown): HttpError | undefined {
  if (err instanceof HttpError) return err;
  const status = (err as { status?: unknown } | null)?.status;
  if (typeof status !== 'number' || status < 400 || status >= 500) return undefined;
  if (status === 413) return payloadTooLarge(`body over ${LIMITS.maxBodyBytes} bytes`);
  const message = err instanceof Error ? err.message : 'Bad request';
  return new HttpError(status, status === 415 ? 'Unsupported content encoding' : 'Bad request', {
    reason: message,
  });
}
