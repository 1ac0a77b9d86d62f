import type { Identification } from '@groupidentify/ops';
import { partitionOf, type QueuedItem } from '@groupidentify/queue-contract';
import type { BacklogMonitor } from './backlog-monitor.js';
import type { GroupCommitter } from './group-committer.js';
import { serviceUnavailable, tooManyRequests } from './http-error.js';
import type { IngestMetrics } from './metrics.js';

export interface AcceptDeps {
  partitions: number;
  maxBacklog: number;
  committer: GroupCommitter;
  backlog: BacklogMonitor;
  metrics: IngestMetrics;
}

/**
 * Durably enqueues one request's validated identifications (shared by every ingest endpoint):
 * split by partition keeping request order, refuse with 429 when a target partition's backlog is
 * over the limit, and resolve only when every item is in Redis — otherwise 503 (docs/api.md).
 */
export async function acceptIdentifications(
  deps: AcceptDeps,
  project: string,
  identifications: readonly Identification[],
  receivedAt: number,
): Promise<void> {
  const byPartition = new Map<number, QueuedItem[]>();
  for (const id of identifications) {
    const item: QueuedItem = { project, ...id, received_at: receivedAt };
    const partition = partitionOf(item, deps.partitions);
    let items = byPartition.get(partition);
    if (items === undefined) byPartition.set(partition, (items = []));
    items.push(item);
  }
  for (const partition of byPartition.keys()) {
    if (deps.backlog.count(partition) > deps.maxBacklog) throw tooManyRequests(1);
  }
  const stopTimer = deps.metrics.enqueueSeconds.startTimer();
  try {
    await Promise.all(
      [...byPartition].map(([partition, items]) => deps.committer.add(partition, items)),
    );
  } catch {
    throw serviceUnavailable();
  } finally {
    stopTimer();
  }
  deps.metrics.accepted.inc(identifications.length);
}
