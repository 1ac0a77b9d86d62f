import { setTimeout as delay } from 'node:timers/promises';
import type { Identification } from '@groupidentify/ops';
import { partitionOf, queuedIdentification, type QueuedItem } from '@groupidentify/queue-contract';
import type { BacklogMonitor } from './backlog-monitor.js';
import { backpressureDelayMs } from './backpressure.js';
import type { GroupCommitter } from './group-committer.js';
import { serviceUnavailable, tooManyRequests } from './http-error.js';
import type { IngestMetrics } from './metrics.js';
import type { IngestProject } from './project-lookup.js';
import type { ProjectRateLimits } from './project-rate-limits.js';

export interface AcceptDeps {
  partitions: number;
  maxBacklog: number;
  /** `BACKPRESSURE_LAG_MS`: answers wait when the partitions written to lag more (0: never). */
  backpressureLagMs: number;
  committer: GroupCommitter;
  backlog: BacklogMonitor;
  metrics: IngestMetrics;
  /** Each project's token bucket of accepted identifications (`RATE_LIMIT_PER_S`). */
  rateLimits: ProjectRateLimits;
}

/**
 * Durably enqueues one request's validated identifications (shared by every ingest endpoint):
 * split by partition keeping request order, refuse with 429 when a target partition's backlog is
 * over the limit or the project's rate limit is reached, and resolve only when every item is in
 * Redis — otherwise 503 (docs/api.md).
 * When those partitions' workers lag, the answer then waits a little (backpressure).
 */
export async function acceptIdentifications(
  deps: AcceptDeps,
  project: IngestProject,
  identifications: readonly Identification[],
  receivedAt: number,
): Promise<void> {
  const items = identifications.map((id) => queuedIdentification(project, id, receivedAt));
  const partitions = await enqueueItems(deps, items, project);
  deps.metrics.accepted.inc(identifications.length);
  const lag = Math.max(0, ...partitions.map((p) => deps.backlog.oldestAgeSeconds(p)));
  const wait = backpressureDelayMs(lag, deps.backpressureLagMs);
  if (wait > 0) {
    deps.metrics.backpressureSeconds.observe(wait / 1000);
    await delay(wait);
  }
}

/**
 * Durably enqueues items of any kind (identifications, erasures): split by partition keeping
 * their order, 429 when a target partition's backlog is over the limit, then 429 (held a while:
 * ProjectRateLimits) when the rate limit of `rateLimited` (the project of a public key; none for
 * the secret key's `DELETE`) has no room for all of them — nothing is enqueued either way, and a
 * request refused for its backlog takes nothing from the rate limit — resolved with the
 * partitions written to only when every item is in Redis, otherwise 503.
 */
export async function enqueueItems(
  deps: AcceptDeps,
  items: readonly QueuedItem[],
  rateLimited?: IngestProject,
): Promise<number[]> {
  const byPartition = new Map<number, QueuedItem[]>();
  for (const item of items) {
    const partition = partitionOf(item, deps.partitions);
    let list = byPartition.get(partition);
    if (list === undefined) byPartition.set(partition, (list = []));
    list.push(item);
  }
  for (const partition of byPartition.keys()) {
    if (deps.backlog.count(partition) > deps.maxBacklog) throw tooManyRequests(1);
  }
  if (rateLimited !== undefined) await deps.rateLimits.take(rateLimited, items.length);
  const stopTimer = deps.metrics.enqueueSeconds.startTimer();
  try {
    await Promise.all(
      [...byPartition].map(([partition, list]) => deps.committer.add(partition, list)),
    );
  } catch {
    throw serviceUnavailable();
  } finally {
    stopTimer();
  }
  return [...byPartition.keys()];
}
