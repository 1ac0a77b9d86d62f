import { randomUUID } from 'node:crypto';
import { epochKey, type RedisClient } from '@groupidentify/queue-contract';

/**
 * The current life of a partition queue (docs/guarantees.md). Read for every job, in the same Redis the
 * job came from: if Redis was wiped (job ids restart at 1), the key is gone too and a new epoch
 * begins, so new jobs are never mistaken for ones already applied. `SET NX GET` creates it and
 * reads it in one atomic step.
 */
export async function currentEpoch(
  redis: RedisClient,
  base: string,
  partition: number,
): Promise<{ epoch: string; fresh: boolean }> {
  const candidate = randomUUID();
  const previous = (await redis.call('SET', epochKey(base, partition), candidate, 'NX', 'GET')) as
    string | null;
  return previous === null ? { epoch: candidate, fresh: true } : { epoch: previous, fresh: false };
}
