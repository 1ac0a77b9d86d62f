import { Router } from 'express';
import { ReplayError, replayDeadLetters, type ReplayResult } from '@groupidentify/erasure';
import type { JobPayload } from '@groupidentify/queue-contract';
import type { Queue } from 'bullmq';
import type { Store } from '@groupidentify/store';
import { HttpError } from '../http-error.js';
import { allowMethods } from '../allow-methods.js';
import { readLimit } from '../read-api/query-params.js';
import { single } from '../single-value.js';
import { decodeDeadLetterCursor, encodeDeadLetterCursor } from './dead-letter-cursor.js';

interface DeadLetterDeps {
  store: Store;
  queues: readonly Queue<JobPayload>[];
  partitions: number;
}

/** The most letters a page of `GET /api/admin/dead-letters` holds (`limit`). */
const MAX_PAGE = 1000;

/**
 * `/api/admin/dead-letters`: the letters with their reasons, a page at a time, and their replay,
 * which is the CLI's own (`replayDeadLetters`, docs/operations.md): same order, same marks, same
 * refusals.
 */
export function deadLetterRoutes(deps: DeadLetterDeps): Router {
  const router = Router();
  router
    .route('/')
    .get(async (req, res) => {
      const page = await deps.store.deadLetters.page({
        limit: readLimit(single(req.query['limit']), 100, MAX_PAGE),
        after: decodeDeadLetterCursor(single(req.query['cursor'])),
      });
      res.json({
        items: page.items,
        next_cursor: page.next === undefined ? null : encodeDeadLetterCursor(page.next),
      });
    })
    .all(allowMethods('GET'));
  // Every letter not replayed yet; `/:id/replay` below replays one, even one replayed before.
  router
    .route('/replay')
    .post(async (_req, res) => {
      res.json(await replay(deps, undefined));
    })
    .all(allowMethods('POST'));
  router
    .route('/:id/replay')
    .post(async (req, res) => {
      res.json(await replay(deps, req.params['id']));
    })
    .all(allowMethods('POST'));
  return router;
}

async function replay(deps: DeadLetterDeps, id: string | undefined): Promise<ReplayResult> {
  const queueOf = (partition: number): Queue<JobPayload> => {
    const queue = deps.queues[partition];
    if (queue === undefined) throw new RangeError(`no queue for partition ${partition}`);
    return queue;
  };
  try {
    return await replayDeadLetters(deps.store, queueOf, deps.partitions, id);
  } catch (error) {
    if (error instanceof ReplayError) throw asHttpError(error);
    throw error;
  }
}

/** A refusal with the reason the CLI would print; nothing was enqueued. */
function asHttpError(error: ReplayError): HttpError {
  switch (error.kind) {
    case 'not-found':
      return new HttpError(404, 'Dead letter not found', { reason: error.message });
    case 'not-replayable':
      return new HttpError(409, 'Dead letter not replayable', { reason: error.message });
    case 'wrong-partitions':
      // This ingest's PARTITIONS disagree with the letter's: an operator must fix the settings.
      return new HttpError(409, 'Partition count mismatch', { reason: error.message });
  }
}
