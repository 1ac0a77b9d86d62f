import type { Queue } from 'bullmq';

/**
 * Keeps a cached count of waiting jobs per partition, refreshed every `intervalMs`, so that the
 * request path can answer 429 without a Redis round trip (docs/guarantees.md). A failed refresh keeps
 * the last counts: Redis outages are answered by the enqueue itself (503).
 *
 * Each refresh also takes the age of the oldest waiting job of every partition that has any: the
 * lag a backlog stands for (how long the next job to apply has waited), which a count alone does
 * not tell (a thousand tiny jobs drain faster than ten full ones).
 */
export class BacklogMonitor {
  private readonly counts: number[];
  private readonly ages: number[];
  private refreshedAt: Date | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly queues: readonly Queue[],
    private readonly onCounts: (
      counts: readonly number[],
      oldestAgesSeconds: readonly number[],
    ) => void = () => undefined,
  ) {
    this.counts = queues.map(() => 0);
    this.ages = queues.map(() => 0);
  }

  /** Waiting jobs of `partition` at the last refresh. */
  count(partition: number): number {
    return this.counts[partition] ?? 0;
  }

  /** Seconds the oldest waiting job of `partition` had waited at the last refresh (0: none). */
  oldestAgeSeconds(partition: number): number {
    return this.ages[partition] ?? 0;
  }

  /** When the figures above were taken; undefined before the first refresh succeeded. */
  lastRefresh(): Date | undefined {
    return this.refreshedAt;
  }

  async refresh(): Promise<void> {
    const counts = await Promise.all(this.queues.map((q) => q.getWaitingCount()));
    const ages = await Promise.all(
      this.queues.map((q, p) =>
        (counts[p] ?? 0) > 0 ? this.oldestWaitingAge(q) : Promise.resolve(0),
      ),
    );
    counts.forEach((c, p) => (this.counts[p] = c));
    ages.forEach((a, p) => (this.ages[p] = a));
    this.refreshedAt = new Date();
    this.onCounts(this.counts, this.ages);
  }

  start(intervalMs: number): void {
    this.timer = setInterval(() => void this.refresh().catch(() => undefined), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /**
   * The oldest waiting job's id, then only its `timestamp` field (when it was enqueued): loading
   * the job would read its data too, up to a full 1,000-item flush, at every refresh per partition.
   */
  private async oldestWaitingAge(queue: Queue): Promise<number> {
    const [id] = await queue.getRanges(['wait'], 0, 0, true);
    if (id === undefined) return 0; // applied since it was counted
    const client = await queue.getBackend().client;
    const enqueuedAt = Number(await client.hget(queue.toKey(id), 'timestamp'));
    if (!Number.isFinite(enqueuedAt) || enqueuedAt <= 0) return 0;
    return Math.max(0, (Date.now() - enqueuedAt) / 1000);
  }
}
