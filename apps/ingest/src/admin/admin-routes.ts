import { Router } from 'express';
import type { Queue } from 'bullmq';
import type { JobPayload } from '@groupidentify/queue-contract';
import type { Store } from '@groupidentify/store';
import type { BacklogMonitor } from '../backlog-monitor.js';
import type { SignInThrottle } from '../sign-in-throttle.js';
import { HttpError } from '../http-error.js';
import { allowMethods } from '../allow-methods.js';
import { bearerAuth } from './bearer-auth.js';
import { deadLetterRoutes } from './dead-letter-routes.js';
import { partitionsHandler } from './partitions-handler.js';

/** What the operator endpoints need. */
export interface AdminDeps {
  /** `ADMIN_TOKEN`: requests present it as `Authorization: Bearer <token>`. */
  token: string;
  store: Store;
  /** The partition queues, by partition. */
  queues: readonly Queue<JobPayload>[];
  backlog: BacklogMonitor;
  partitions: number;
  /** Counts wrong tokens per client address (shared with the read API's sign-in). */
  signInThrottle?: SignInThrottle;
}

/** Operator endpoints under `/api/admin` (docs/console.md), mounted only with `ADMIN_TOKEN`. */
export function adminRoutes(deps: AdminDeps): Router {
  const router = Router();
  router.use(bearerAuth(deps.token, deps.signInThrottle));
  // Operator data behind a token: never kept by a browser or a proxy.
  router.use((_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });
  router
    .route('/partitions')
    .get(partitionsHandler(deps.backlog, deps.partitions))
    .all(allowMethods('GET'));
  router.use('/dead-letters', deadLetterRoutes(deps));
  // Behind the token, an unknown operator path is a 404 here rather than the read API's 401.
  router.use((_req, _res, next) => {
    next(new HttpError(404, 'Not found'));
  });
  return router;
}
