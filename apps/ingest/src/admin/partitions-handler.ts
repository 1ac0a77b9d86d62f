import type { RequestHandler } from 'express';
import type { BacklogMonitor } from '../backlog-monitor.js';

/**
 * Backlog and lag per partition, as the monitor took them at its last refresh (twice a second):
 * the very figures `/metrics` publishes as `gi_backlog_jobs` and
 * `gi_partition_oldest_job_age_seconds`, so that the console's chart and a dashboard agree.
 */
export function partitionsHandler(backlog: BacklogMonitor, partitions: number): RequestHandler {
  return (_req, res) => {
    res.json({
      refreshed_at: backlog.lastRefresh()?.toISOString() ?? null,
      partitions: Array.from({ length: partitions }, (_, partition) => ({
        partition,
        backlog_jobs: backlog.count(partition),
        oldest_job_age_seconds: backlog.oldestAgeSeconds(partition),
      })),
    });
  };
}
