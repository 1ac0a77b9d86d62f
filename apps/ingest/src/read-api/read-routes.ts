import { Router, type Request, type Response } from 'express';
import type { Store } from '@groupidentify/store';
import { clientClosedRequest, HttpError } from '../http-error.js';
import { basicAuth } from './basic-auth.js';
import type { SignInThrottle } from '../sign-in-throttle.js';
import {
  MAX_FEED_PAGE,
  changeStreamHandler,
  changesHandler,
  type ChangesDeps,
} from './changes-routes.js';
import { ConcurrencyCap } from './concurrency-cap.js';
import { CredentialWatch } from './credential-watch.js';
import { clientGone } from './client-gone.js';
import { destinationsRoutes } from './destinations-routes.js';
import { eraseHandler, type EraseDeps } from './erase-route.js';
import { exportHandler } from './export-route.js';
import { groupKeyOf } from './group-key.js';
import { historyTooLong } from './history-too-long.js';
import { lookupBody, lookupHandler } from './lookup-route.js';
import { Turns } from '@groupidentify/service-runtime';
import { ProjectBudget } from './project-budget.js';
import { WhereBudget } from './where-budget.js';
import { readWhere } from './where-param.js';
import { single } from '../single-value.js';
import { decodeCursor, encodeCursor, readInstant, readLimit } from './query-params.js';

const groupNotFound = (): HttpError => new HttpError(404, 'Group not found');
const tooLargeToRewind = (): HttpError =>
  new HttpError(422, 'History too large to rewind', {
    reason: 'a change after as_of was too large to keep in history (over 8 MB)',
  });
const MAX_LIMIT = 1000;

/** Caps of the read API in this process (docs/guarantees.md#sharing-one-service-between-projects). */
export interface ReadLimits {
  /** Open change streams and long polls of one project. */
  maxStreamsPerProject: number;
  /** Open change streams and long polls of all projects. */
  maxStreamsPerProcess: number;
  /** Exports of one project at once. */
  maxExportsPerProject: number;
  /** Store reads of one project at once; the others wait their turn. */
  storeReadsPerProject: number;
  /** History records one `as_of` undoes per group. */
  asOfMaxHistory: number;
  /** Changes one project's feed readers get per second, all together. */
  feedChangesPerSecond: number;
  /** Milliseconds of `where` queries one project gets per second (0: no budget). */
  whereMsPerSecond: number;
  /** Webhook destinations one project may have. */
  maxDestinationsPerProject: number;
}

/** What the API under `/api` needs: the store, the queues for erasures, the change notices. */
export interface ReadDeps
  extends EraseDeps, Omit<ChangesDeps, 'streamCap' | 'credentialWatch' | 'turns' | 'feedBudget'> {
  store: Store;
  readLimits: ReadLimits;
  /** Counts failed sign-ins per client address (docs/guarantees.md#failed-sign-ins). */
  signInThrottle?: SignInThrottle;
  /** `DESTINATIONS_ALLOW_PRIVATE`: webhook URLs may point at private addresses. */
  allowPrivateDestinations: boolean;
}

/** The read API (docs/api.md), under `/api`, on the ingest app's port. */
export function readRoutes(deps: ReadDeps): Router {
  const { store, readLimits: limits } = deps;
  const router = Router();
  router.use(basicAuth(store, deps.signInThrottle));
  const turns = new Turns(limits.storeReadsPerProject);
  const turnWaiting = deps.metrics.turnWaiting;
  /**
   * Runs `task` in one of its project's store turns; `499` without running it if the client
   * leaves while it waits in line. Under load a client that gives up and asks again would
   * otherwise have its abandoned reads run for nobody, ahead of its new ones and on the store
   * every project shares. (A read that finds a turn free is counted waiting only until its next
   * microtask: no scrape of the gauge sees it.)
   */
  const readInTurn = async <R>(res: Response, task: () => Promise<R>): Promise<R> => {
    turnWaiting.inc();
    const done = await turns.take(project(res), clientGone(res)).finally(() => turnWaiting.dec());
    if (done === undefined) throw clientClosedRequest();
    try {
      return await task();
    } finally {
      done();
    }
  };
  /** A plain read: it runs in one of its project's turns. */
  const inTurn =
    (handler: (req: Request, res: Response) => Promise<void>) =>
    (req: Request, res: Response): Promise<void> =>
      readInTurn(res, () => handler(req, res));
  /** A list or count: with a `where`, in the project's where-query budget too. */
  const waiting = deps.metrics.budgetWaiting;
  const whereBudget = new WhereBudget(limits.whereMsPerSecond, waiting.labels('where'));
  const query = <T>(res: Response, where: unknown, read: () => Promise<T>): Promise<T> => {
    const inTurn = <R>(task: () => Promise<R>) => readInTurn(res, task);
    if (where === undefined) return inTurn(read);
    return whereBudget.run(project(res), read, inTurn, clientGone(res));
  };
  const feed: ChangesDeps = {
    ...deps,
    turns,
    // A page's worth at once: one reader pages at full speed until the project's rate is used.
    feedBudget: new ProjectBudget(limits.feedChangesPerSecond, MAX_FEED_PAGE, {
      waiting: waiting.labels('feed'),
    }),
    streamCap: new ConcurrencyCap(
      'change streams and long polls',
      limits.maxStreamsPerProject,
      limits.maxStreamsPerProcess,
    ),
    credentialWatch: new CredentialWatch((user, password) =>
      store.projects.authenticate(user, password),
    ),
  };

  router.get(
    '/project',
    inTurn(async (_req, res) => {
      const about = await store.projects.about(project(res));
      if (about === undefined) throw new HttpError(404, 'Project not found');
      res.json(about);
    }),
  );

  router.get('/groups', async (req, res) => {
    const options = {
      groupType: single(req.query['group_type']),
      where: readWhere(single(req.query['where'])),
      after: decodeCursor(single(req.query['cursor']), 'string'),
      limit: readLimit(single(req.query['limit']), 100, MAX_LIMIT),
    };
    const page = await query(res, options.where, () => store.groups.list(project(res), options));
    res.json({
      items: page.items,
      next_cursor: page.after === undefined ? null : encodeCursor(page.after),
    });
  });

  router.get('/groups/count', async (req, res) => {
    const options = {
      groupType: single(req.query['group_type']),
      where: readWhere(single(req.query['where'])),
    };
    const count = await query(res, options.where, () => store.groups.count(project(res), options));
    res.json({ count });
  });

  router.get(
    '/export',
    exportHandler({
      store,
      exported: deps.metrics.exportedGroups,
      cap: new ConcurrencyCap('exports', limits.maxExportsPerProject),
      maxHistory: limits.asOfMaxHistory,
    }),
  );
  router.get('/changes', changesHandler(feed));
  router.get('/changes/stream', changeStreamHandler(feed));

  router.get(
    '/groups/:type/:value',
    inTurn(async (req, res) => {
      const key = groupKeyOf(req, res);
      const asOf = readInstant('as_of', single(req.query['as_of']));
      if (asOf === undefined) {
        res.json((await store.groups.view(key)) ?? notFound());
        return;
      }
      const then = await store.groups.viewAsOf(key, asOf, { maxHistory: limits.asOfMaxHistory });
      if (then.found) res.json(then.group);
      else if (then.why === 'history-omitted') throw tooLargeToRewind();
      else if (then.why === 'history-too-long') throw historyTooLong(limits.asOfMaxHistory);
      else throw groupNotFound();
    }),
  );

  router.post(
    '/groups/lookup',
    ...lookupBody(),
    inTurn(lookupHandler({ store, maxHistory: limits.asOfMaxHistory })),
  );

  router.delete('/groups/:type/:value', eraseHandler(deps));

  router.use(
    destinationsRoutes({
      store,
      partitions: deps.partitions,
      allowPrivate: deps.allowPrivateDestinations,
      maxPerProject: limits.maxDestinationsPerProject,
      inTurn: (project, read) => turns.run(project, read),
    }),
  );

  router.get(
    '/groups/:type/:value/history',
    inTurn(async (req, res) => {
      const key = groupKeyOf(req, res);
      const limit = readLimit(single(req.query['limit']), 100, MAX_LIMIT);
      const before = decodeCursor(single(req.query['cursor']), 'number');
      const page = await store.history.page(key, before, limit);
      if (page === undefined) throw groupNotFound();
      res.json({
        items: page.items,
        next_cursor: page.before === undefined ? null : encodeCursor(page.before),
      });
    }),
  );

  return router;
}

function notFound(): never {
  throw groupNotFound();
}

function project(res: Response): string {
  return res.locals['project'] as string;
}
