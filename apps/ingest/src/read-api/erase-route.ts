import type { Request, Response } from 'express';
import { groupKnown } from '@groupidentify/erasure';
import { partitionOf, type JobPayload } from '@groupidentify/queue-contract';
import type { Queue } from 'bullmq';
import type { Store } from '@groupidentify/store';
import { enqueueItems, type AcceptDeps } from '../accept-identifications.js';
import { HttpError, serviceUnavailable } from '../http-error.js';
import { groupKeyOf } from './group-key.js';

export interface EraseDeps extends AcceptDeps {
  store: Store;
  /** The partition queues, by partition (to tell a group about to exist from none). */
  queues: readonly Queue<JobPayload>[];
}

/**
 * `DELETE /api/groups/{type}/{value}` (docs/api.md#deleting-a-group): queues the erasure in the
 * group's partition, so that it applies in order with the group's identifications, and answers
 * `202` once it is durably queued. `404` when the group was never written and nothing is queued
 * for it. A second erasure is accepted too and changes nothing.
 */
export function eraseHandler(deps: EraseDeps) {
  return async (req: Request, res: Response): Promise<void> => {
    const receivedAt = Date.now();
    const key = groupKeyOf(req, res);
    if (!(await known(deps, key))) throw new HttpError(404, 'Group not found');
    await enqueueItems(deps, [{ kind: 'delete', ...key, received_at: receivedAt }]);
    res.status(202).json({ status: 'accepted' });
  };
}

async function known(deps: EraseDeps, key: ReturnType<typeof groupKeyOf>): Promise<boolean> {
  try {
    const queue = deps.queues[partitionOf(key, deps.partitions)];
    if (queue === undefined) return await deps.store.groups.everWritten(key);
    return await groupKnown(queue, deps.store, key);
  } catch {
    throw serviceUnavailable();
  }
}
