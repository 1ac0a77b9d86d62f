import { Router, type Request, type Response } from 'express';
import { decodeProperties, groupId, rewind, type GroupDocument } from '@groupidentify/ops';
import type { Store } from '@groupidentify/store';
import { HttpError } from '../http-error.js';
import { basicAuth } from './basic-auth.js';
import { decodeCursor, encodeCursor, readInstant, readLimit, single } from './query-params.js';
import { cannotRewind, decodeChanges, groupView, historyView } from './views.js';

const groupNotFound = (): HttpError => new HttpError(404, 'Group not found');
const tooLargeToRewind = (): HttpError =>
  new HttpError(422, 'History too large to rewind', {
    reason: 'a change after as_of was too large to keep in history (over 8 MB)',
  });
const MAX_LIMIT = 1000;

/** The read API (SPEC §5), under `/api`, on the ingest app's port. */
export function readRoutes(store: Store): Router {
  const router = Router();
  router.use(basicAuth(store));

  router.get('/groups', async (req, res) => {
    const limit = readLimit(single(req.query['limit']), 100, MAX_LIMIT);
    const after = decodeCursor(single(req.query['cursor']), 'string');
    const groupType = single(req.query['group_type']);
    const filter: Record<string, unknown> = { project: project(res) };
    if (groupType !== undefined && groupType !== '') filter['group_type'] = groupType;
    if (after !== undefined) filter['_id'] = { $gt: after };
    const docs = await store.groups
      .find(filter, { projection: { properties: 0 } })
      .sort({ _id: 1 })
      .limit(limit + 1)
      .toArray();
    const page = docs.slice(0, limit);
    res.json({
      items: page.map((d) => ({
        group_type: d.group_type,
        group_value: d.group_value,
        version: d.version,
        updated_at: d.updated_at.toISOString(),
      })),
      next_cursor:
        docs.length > limit && page.length > 0
          ? encodeCursor(page[page.length - 1]?._id ?? '')
          : null,
    });
  });

  router.get('/groups/:type/:value', async (req, res) => {
    const doc = await findGroup(store, req, res);
    const asOf = readInstant('as_of', single(req.query['as_of']));
    if (asOf === undefined) {
      res.json(groupView(doc));
      return;
    }
    let properties = decodeProperties(doc.properties);
    // Walk back from now: undo every identification accepted after `as_of`, newest first.
    const newer = store.history.find({ group: doc._id }).sort({ version: -1 });
    let earliest = doc.version + 1;
    for await (const h of newer) {
      if (h.received_at <= asOf) break;
      const changes = decodeChanges(h.changes);
      if (cannotRewind(changes)) throw tooLargeToRewind();
      properties = rewind(properties, changes);
      earliest = h.version;
    }
    if (earliest === 1) throw groupNotFound(); // before the first identification
    res.json(groupView(doc, properties));
  });

  router.get('/groups/:type/:value/history', async (req, res) => {
    const doc = await findGroup(store, req, res);
    const limit = readLimit(single(req.query['limit']), 100, MAX_LIMIT);
    const before = decodeCursor(single(req.query['cursor']), 'number');
    const filter =
      before === undefined ? { group: doc._id } : { group: doc._id, version: { $lt: before } };
    const docs = await store.history
      .find(filter)
      .sort({ version: -1 })
      .limit(limit + 1)
      .toArray();
    const page = docs.slice(0, limit);
    const last = page[page.length - 1];
    res.json({
      items: page.map(historyView),
      next_cursor: docs.length > limit && last !== undefined ? encodeCursor(last.version) : null,
    });
  });

  return router;
}

function project(res: Response): string {
  return res.locals['project'] as string;
}

async function findGroup(store: Store, req: Request, res: Response): Promise<GroupDocument> {
  const { type, value } = req.params as { type: string; value: string };
  const doc = await store.groups.findOne({
    _id: groupId({ project: project(res), group_type: type, group_value: value }),
  });
  if (doc === null) throw groupNotFound();
  return doc;
}
