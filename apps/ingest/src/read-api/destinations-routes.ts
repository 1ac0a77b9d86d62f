import express, { Router, type Request, type Response } from 'express';
import { LIMITS } from '@groupidentify/ops';
import {
  destinationDetails,
  destinationView,
  type DestinationDetail,
  type DestinationDocument,
  type Store,
} from '@groupidentify/store';
import { checkNewDestination } from '@groupidentify/webhooks';
import { HttpError } from '../http-error.js';
import { invalid } from './query-params.js';

/** What the destinations API needs. */
export interface DestinationsDeps {
  store: Store;
  /** The partition count: a new destination starts after each partition's committed head. */
  partitions: number;
  /** `DESTINATIONS_ALLOW_PRIVATE`: URLs may point at loopback, link-local and private addresses. */
  allowPrivate: boolean;
  /** `MAX_DESTINATIONS_PER_PROJECT`: a project with this many gets 409 for one more. */
  maxPerProject: number;
  /** Runs a store read in one of its project's turns. */
  inTurn: <T>(project: string, read: () => Promise<T>) => Promise<T>;
}

const PATCH_FIELDS: ReadonlySet<string> = new Set(['status']);

const notFound = (): HttpError => new HttpError(404, 'Destination not found');

/**
 * Each destination is a reader of the project's feed in every partition, on the workers every
 * project shares: a project may hold `max` of them (docs/guarantees.md#webhook-destinations-per-project).
 */
const tooManyDestinations = (max: number): HttpError =>
  new HttpError(409, 'Too many destinations', {
    reason: `a project may have at most ${max} destinations (paused and failing ones count); delete one first`,
  });

/**
 * Webhook destinations (docs/api.md#webhook-destinations), under `/api` behind the read API's
 * Basic auth: each project manages its own. The secret is shown once, by `POST`.
 */
export function destinationsRoutes(deps: DestinationsDeps): Router {
  const { store } = deps;
  const router = Router();
  const body = express.json({ limit: LIMITS.maxBodyBytes });

  /** The destination with its delivery: what `GET /api/destinations/{id}` and `PATCH` answer. */
  const detail = async (project: string, doc: DestinationDocument): Promise<DestinationDetail> => {
    const [shown] = await destinationDetails(store, project, [doc], deps.partitions);
    return shown as DestinationDetail;
  };

  router.post('/destinations', body, async (req, res) => {
    const project = projectOf(res);
    // The URL check may ask DNS: done before taking a turn of the project's reads.
    const checked = await checkNewDestination(req.body, deps.allowPrivate);
    if (!checked.ok) throw invalid(checked.field, checked.reason);
    const made = await deps.inTurn(project, async () => {
      const count = () => store.destinations.count(project);
      if ((await count()) >= deps.maxPerProject) throw tooManyDestinations(deps.maxPerProject);
      const doc = await store.destinations.create({
        project,
        ...checked.fields,
        start: await store.feed.heads(project, deps.partitions),
        now: new Date(),
      });
      // Counted again with it in: of POSTs racing past the first count (in this process or
      // another), each that finds the project over the cap takes its own back. The last to count
      // sees every one kept, so the cap is never passed; racers may all be refused.
      if ((await count()) <= deps.maxPerProject) return doc;
      await store.destinations.remove(project, doc._id);
      throw tooManyDestinations(deps.maxPerProject);
    });
    res.status(201).json({ ...destinationView(made), secret: made.secret });
  });

  router.get('/destinations', async (_req, res) => {
    const project = projectOf(res);
    const docs = await deps.inTurn(project, () => store.destinations.list(project));
    res.json({ items: docs.map(destinationView) });
  });

  router.get('/destinations/:id', async (req, res) => {
    const project = projectOf(res);
    const answer = await deps.inTurn(project, async () => {
      const doc = await store.destinations.get(project, idOf(req));
      return doc === undefined ? undefined : detail(project, doc);
    });
    res.json(answer ?? notFoundThrown());
  });

  router.patch('/destinations/:id', body, async (req, res) => {
    const project = projectOf(res);
    const status = readStatus(req.body);
    const answer = await deps.inTurn(project, async () => {
      const doc = await store.destinations.setStatus(project, idOf(req), status, new Date());
      return doc === undefined ? undefined : detail(project, doc);
    });
    res.json(answer ?? notFoundThrown());
  });

  router.delete('/destinations/:id', async (req, res) => {
    const project = projectOf(res);
    const removed = await deps.inTurn(project, () => store.destinations.remove(project, idOf(req)));
    if (!removed) throw notFound();
    res.status(204).end();
  });

  return router;
}

/** `PATCH`'s body: `{"status":"paused"|"active"}` and nothing else. */
function readStatus(body: unknown): 'paused' | 'active' {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw invalid('body', 'must be a JSON object {"status":"paused"|"active"}');
  const unknown = Object.keys(body).find((k) => !PATCH_FIELDS.has(k));
  if (unknown !== undefined) throw invalid(unknown, 'is not a field that can be changed (status)');
  const { status } = body as { status?: unknown };
  if (status !== 'paused' && status !== 'active')
    throw invalid('status', 'must be "paused" or "active"');
  return status;
}

function notFoundThrown(): never {
  throw notFound();
}

const idOf = (req: Request): string => (req.params as { id: string }).id;

function projectOf(res: Response): string {
  return res.locals['project'] as string;
}
