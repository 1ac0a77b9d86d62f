import type { Request, Response } from 'express';
import type { Counter } from 'prom-client';
import type { Store } from '@groupidentify/store';
import { single } from '../single-value.js';
import { readInstant } from './query-params.js';
import { readWhere } from './where-param.js';

/**
 * `GET /api/export` (docs/api.md#export): the selected groups as NDJSON, one per line in the
 * `GET` shape, streamed as the store reads them in batches (memory stays flat whatever their
 * number); writing waits whenever the client is slower, and a client that goes away stops the
 * export.
 */
export function exportHandler(store: Store, exported: Counter) {
  return async (req: Request, res: Response): Promise<void> => {
    const groupType = single(req.query['group_type']);
    const asOf = readInstant('as_of', single(req.query['as_of']));
    const where = readWhere(single(req.query['where']));
    const project = res.locals['project'] as string;
    const gone = { now: false }; // an object: the loop below must see the close handler's write
    res.once('close', () => (gone.now = true));
    res.status(200).type('application/x-ndjson');
    res.flushHeaders();
    for await (const group of store.groups.exportAll(project, { groupType, asOf, where })) {
      if (gone.now) break;
      exported.inc();
      if (!res.write(`${JSON.stringify(group)}\n`)) await drainedOrClosed(res);
    }
    res.end();
  };
}

/** Resolves when `res` can take more, or is gone; leaves no listener behind. */
function drainedOrClosed(res: Response): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
