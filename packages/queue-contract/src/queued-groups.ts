import type { GroupKey } from '@groupidentify/ops';
import type { Queue } from 'bullmq';
import type { JobPayload } from './job-payload.js';
import type { RedisClient } from './redis-connection.js';

/**
 * The partition's set of groups with an item queued that may not be written yet
 * (docs/storage.md#queued-groups): `{gi:07}:identify:queued-groups`, in the partition's hash
 * slot. Members are {@link queuedGroupMember}s. Enqueuers add a job's groups before the job, on the same
 * connection; the worker removes a group once it has written it. A group that has been written is
 * known to the store for good, so a member is only needed until then.
 */
export function queuedGroupsKey(queue: Queue<JobPayload>): string {
  return queue.toKey('queued-groups');
}

/**
 * A group as the set holds it: its project and type, each after its length, then its value (one
 * string per group, and cheap to build: ingest makes one per accepted item).
 */
export function queuedGroupMember(key: GroupKey): string {
  return `${key.project.length}:${key.project}${key.group_type.length}:${key.group_type}${key.group_value}`;
}

/** The groups of these jobs' items, one member per item (Redis keeps each once). */
export function groupsOfJobs(payloads: readonly JobPayload[]): string[] {
  const members: string[] = [];
  for (const payload of payloads)
    for (const item of payload.items) members.push(queuedGroupMember(item));
  return members;
}

/**
 * Sends the SADD of these groups now, so that it reaches Redis before any command sent after it
 * on this connection (the jobs that carry them). The caller awaits it with the jobs' write: no
 * round trip of its own.
 */
export function markGroupsQueued(
  client: RedisClient,
  queue: Queue<JobPayload>,
  members: readonly string[],
): Promise<number> {
  return client.sadd(queuedGroupsKey(queue), ...members);
}

/**
 * The connection a partition queue writes its jobs on: the ioredis client it was opened with
 * (BullMQ's Redis backend types it by the few commands BullMQ itself uses).
 */
export async function queueConnection(queue: Queue<JobPayload>): Promise<RedisClient> {
  return (await queue.backend.client) as unknown as RedisClient;
}

/** Whether the group may have an item queued that no worker has written: one SISMEMBER. */
export async function isGroupQueued(queue: Queue<JobPayload>, key: GroupKey): Promise<boolean> {
  const client = await queueConnection(queue);
  return (await client.sismember(queuedGroupsKey(queue), queuedGroupMember(key))) === 1;
}

/** Removes groups the worker has written (their existence is the store's from now on). */
export async function forgetQueuedGroups(
  queue: Queue<JobPayload>,
  client: RedisClient,
  members: readonly string[],
): Promise<void> {
  if (members.length > 0) await client.srem(queuedGroupsKey(queue), ...members);
}
