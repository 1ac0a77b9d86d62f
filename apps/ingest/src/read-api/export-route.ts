import type { Request, Response } from 'express';
import type { Counter } from 'prom-client';
import { HistoryTooLongError, type GroupView, type Store } from '@groupidentify/store';
import { single } from '../single-value.js';
import type { ConcurrencyCap } from './concurrency-cap.js';
import { readInstant } from './query-params.js';
import { historyTooLong } from './history-too-long.js';
import { readWhere } from './where-param.js';
import { clientGone } from './client-gone.js';

export interface ExportDeps {
  store: Store;
  /** Counts the groups written. */
  exported: Counter;
  /** Exports of one project at once: one more is `429`. */
  cap: ConcurrencyCap;
  /** History records an `as_of` undoes per group (`AS_OF_MAX_HISTORY`). */
  maxHistory: number;
}

/**
 * `GET /api/export` (docs/api.md#export): the selected groups as NDJSON, one per line in the
 * `GET` shape, streamed as the store reads them in batches (memory stays flat whatever their
 * number); writing waits whenever the client is slower, and a client that goes away stops the
 * export. The first group is read before the `200` is sent: a query over the time limit, or a
 * first group too changed to rewind, is a JSON error; one later cuts the response.
 */
export function exportHandler(deps: ExportDeps) {
  return async (req: Request, res: Response): Promise<void> => {
    const groupType = single(req.query['group_type']);
    const asOf = readInstant('as_of', single(req.query['as_of']));
    const where = readWhere(single(req.query['where']));
    const project = res.locals['project'] as string;
    const release = deps.cap.take(project);
    const groups = deps.store.groups.exportAll(project, {
      groupType,
      asOf,
      where,
      maxHistory: deps.maxHistory,
    });
    try {
      const gone = clientGone(res);
      let next = await nextGroup(groups);
      res.status(200).type('application/x-ndjson');
      res.flushHeaders();
      while (next.done !== true && !gone.aborted) {
        deps.exported.inc();
        if (!res.write(`${JSON.stringify(next.value)}\n`)) await drainedOrClosed(res);
        next = await nextGroup(groups);
      }
      res.end();
    } finally {
      await groups.return(undefined);
      release();
    }
  };
}

/** The next group; a group too changed to rewind is the `422` that names it. */
async function nextGroup(groups: AsyncGenerator<GroupView>): Promise<IteratorResult<GroupView>> {
  try {
    return await groups.next();
  } catch (error) {
    if (!(error instanceof HistoryTooLongError)) throw error;
    const { group_type, group_value } = error.group;
    const named = `group ${JSON.stringify(group_type)} ${JSON.stringify(group_value)}`;
    throw historyTooLong(error.maxHistory, named);
  }
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
