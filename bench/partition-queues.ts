import { Redis } from 'ioredis';
import { openPartitionQueue } from '@groupidentify/queue-contract';
import { PARTITIONS } from './apps.js';

/**
 * The bench's handle on one queue prefix's partition queues: pausing them lets a backlog be
 * preloaded through ingest while the workers wait, so a drain can be timed from `resume()`.
 */
export interface PartitionQueues {
  pause(): Promise<void>;
  resume(): Promise<void>;
  /** Jobs not yet completed (waiting, active, delayed, prioritized) and failed ones. */
  counts(): Promise<{ pending: number; failed: number; byState: string }>;
  close(): Promise<void>;
}

export function partitionQueues(redisUrl: string, base: string): PartitionQueues {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queues = Array.from({ length: PARTITIONS }, (_, p) =>
    openPartitionQueue(connection, base, p),
  );
  return {
    async pause() {
      await Promise.all(queues.map((q) => q.pause()));
    },
    async resume() {
      await Promise.all(queues.map((q) => q.resume()));
    },
    async counts() {
      const all = await Promise.all(
        queues.map((q) => q.getJobCounts('wait', 'active', 'delayed', 'prioritized', 'failed')),
      );
      let pending = 0;
      let failed = 0;
      const states = new Map<string, number>();
      for (const c of all) {
        for (const [state, n] of Object.entries(c)) {
          if (state === 'failed') failed += n;
          else pending += n;
          states.set(state, (states.get(state) ?? 0) + n);
        }
      }
      const byState = [...states].map(([state, n]) => `${n} ${state}`).join(', ');
      return { pending, failed, byState };
    },
    async close() {
      await Promise.all(queues.map((q) => q.close()));
      connection.disconnect();
    },
  };
}
