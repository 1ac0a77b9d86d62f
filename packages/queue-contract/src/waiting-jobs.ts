import type { Queue } from 'bullmq';
import type { JobPayload } from './job-payload.js';
import type { RedisClient } from './redis-connection.js';

/** A job waiting in a partition queue, as {@link readWaitingJobs} finds it. */
export interface WaitingJob {
  id: string;
  /** Its data as stored (JSON text), or undefined if the job was gone meanwhile. */
  data: string | undefined;
}

// KEYS: the wait list, the queue's meta hash. ARGV: the job key prefix, how many to skip, how
// many. BullMQ pushes new jobs at the head of the wait list and takes them from the tail.
const READ_WAITING = `
if redis.call('HEXISTS', KEYS[2], 'paused') == 1 then return {} end
local skip, count = tonumber(ARGV[2]), tonumber(ARGV[3])
local ids = redis.call('LRANGE', KEYS[1], -(skip + count), -(skip + 1))
local out = {}
for i = #ids, 1, -1 do
  out[#out + 1] = ids[i]
  out[#out + 1] = redis.call('HGET', ARGV[1] .. ids[i], 'data') or false
end
return out`;

// KEYS: the wait list. ARGV: the job key prefix, then the ids.
const REMOVE_WAITING = `
local removed = 0
for i = 2, #ARGV do
  if redis.call('LREM', KEYS[1], -1, ARGV[i]) == 1 then
    redis.call('DEL', ARGV[1] .. ARGV[i], ARGV[1] .. ARGV[i] .. ':logs')
    removed = removed + 1
  end
end
return removed`;

/**
 * Jobs waiting in a partition queue, oldest first, with their data: `count` of them after the
 * `skip` next ones, in one Redis call (a script over the queue's own keys), where BullMQ's API
 * takes a range, a paused check and one read per job. Nothing while the queue is paused.
 */
export async function readWaitingJobs(
  queue: Queue<JobPayload>,
  client: RedisClient,
  skip: number,
  count: number,
): Promise<WaitingJob[]> {
  const reply = (await client.eval(
    READ_WAITING,
    2,
    queue.toKey('wait'),
    queue.toKey('meta'),
    queue.toKey(''),
    String(skip),
    String(count),
  )) as (string | null)[];
  const jobs: WaitingJob[] = [];
  for (let i = 0; i + 1 < reply.length; i += 2)
    jobs.push({ id: reply[i] ?? '', data: reply[i + 1] ?? undefined });
  return jobs;
}

/**
 * Removes waiting jobs whose items were applied ahead of their turn (with the job before them),
 * so that BullMQ does not hand them to a worker one by one: one Redis call for all of them. A job
 * no longer waiting (taken meanwhile by a worker) is left alone. Returns how many were removed.
 * Only for jobs whose every item is durably applied: what is removed here is never applied again.
 */
export async function removeAppliedJobs(
  queue: Queue<JobPayload>,
  client: RedisClient,
  ids: readonly string[],
): Promise<number> {
  if (ids.length === 0) return 0;
  return (await client.eval(
    REMOVE_WAITING,
    1,
    queue.toKey('wait'),
    queue.toKey(''),
    ...ids,
  )) as number;
}
