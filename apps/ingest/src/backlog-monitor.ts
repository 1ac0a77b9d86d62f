import type { Queue } from 'bullmq';

/**
 * Keeps a cached count of waiting jobs per partition, refreshed every `intervalMs`, so that the
 * request path can answer 429 without a Redis round trip (docs/guarantees.md). A failed refresh keeps
 * the last counts: Redis outages are answered by the enqueue itself (503).
 */
export class BacklogMonitor {
  private readonly counts: number[];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly queues: readonly Queue[],
    private readonly onCounts: (counts: readonly number[]) => void = () => undefined,
  ) {
    this.counts = queues.map(() => 0);
  }

  /** Waiting jobs of `partition` at the last refresh. */
  count(partition: number): number {
    return this.counts[partition] ?? 0;
  }

  async refresh(): Promise<void> {
    const counts = await Promise.all(this.queues.map((q) => q.getWaitingCount()));
    counts.forEach((c, p) => (this.counts[p] = c));
    this.onCounts(this.counts);
  }

  start(intervalMs: number): void {
    this.timer = setInterval(() => void this.refresh().catch(() => undefined), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
