import { setTimeout as sleep } from 'node:timers/promises';
import type { Queue } from 'bullmq';
import type { JobPayload } from '@groupidentify/queue-contract';

const POLL_MS = 200;
/** A job still to be taken or being applied. */
const UNFINISHED = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);

/**
 * Resolves once the workers have finished each partition's last job of the import: a partition
 * is one queue taken in order, so everything queued before that job is done too. A finished job is
 * removed (state `unknown`); one the worker failed is kept (`failed`), and counted.
 */
export async function waitApplied(
  lastJobs: ReadonlyMap<number, string>,
  queueOf: (partition: number) => Queue<JobPayload>,
  progress: (partitionsLeft: number) => void,
): Promise<{ failedJobs: number }> {
  const left = new Map(lastJobs);
  let failedJobs = 0;
  while (left.size > 0) {
    for (const [partition, job] of [...left]) {
      const state = await queueOf(partition).getJobState(job);
      if (UNFINISHED.has(state)) continue;
      if (state === 'failed') failedJobs++;
      left.delete(partition);
    }
    if (left.size === 0) break;
    progress(left.size);
    await sleep(POLL_MS);
  }
  return { failedJobs };
}
