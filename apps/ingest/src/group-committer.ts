import type { JobPayload, QueuedItem } from '@groupidentify/queue-contract';

/** Writes jobs to one partition's queue, in order, as one Redis round trip. */
export type PartitionSink = (jobs: JobPayload[]) => Promise<void>;

export interface GroupCommitOptions {
  /**
   * How long a buffer waits for more items before it is enqueued (Kafka's `linger.ms`). 0: until
   * the requests read in the same turn of the event loop are in (`setImmediate`).
   */
  lingerMs: number;
  /** Items per job; a buffer this full is enqueued at once. */
  maxItems: number;
  /** An enqueue slower than this fails the requests waiting on it (their clients get 503). */
  timeoutMs: number;
}

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
}

interface PartitionBuffer {
  items: QueuedItem[];
  waiters: Waiter[];
  timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  flushing: Promise<void> | undefined;
}

/**
 * Group commit (docs/guarantees.md): items of many requests for one partition are buffered for a few
 * milliseconds and enqueued together, one job per `maxItems`. A request's promise resolves only
 * once the flush holding its items is in Redis. One flush at a time per partition, in arrival
 * order, over one connection: acceptance order within a partition is queue order.
 */
export class GroupCommitter {
  private readonly buffers: PartitionBuffer[];

  constructor(
    private readonly sinks: readonly PartitionSink[],
    private readonly options: GroupCommitOptions,
  ) {
    this.buffers = sinks.map(() => ({
      items: [],
      waiters: [],
      timer: undefined,
      flushing: undefined,
    }));
  }

  /** Buffers `items` (in order) for `partition`; resolves when they are durably enqueued. */
  add(partition: number, items: readonly QueuedItem[]): Promise<void> {
    const buffer = this.buffer(partition);
    return new Promise<void>((resolve, reject) => {
      buffer.items.push(...items);
      buffer.waiters.push({ resolve, reject });
      if (buffer.flushing !== undefined) return; // the running flush takes them next
      if (buffer.items.length >= this.options.maxItems) this.startFlush(partition);
      else buffer.timer ??= this.after(() => this.startFlush(partition));
    });
  }

  /** Enqueues everything still buffered and waits for every flush to end. */
  async drain(): Promise<void> {
    this.buffers.forEach((_, partition) => this.startFlush(partition));
    await Promise.allSettled(
      this.buffers.flatMap((b) => (b.flushing === undefined ? [] : [b.flushing])),
    );
  }

  private startFlush(partition: number): void {
    const buffer = this.buffer(partition);
    if (buffer.timer !== undefined) this.cancel(buffer.timer);
    buffer.timer = undefined;
    buffer.flushing ??= this.flushLoop(partition, buffer).finally(() => {
      buffer.flushing = undefined;
    });
  }

  private async flushLoop(partition: number, buffer: PartitionBuffer): Promise<void> {
    while (buffer.items.length > 0) {
      const { items, waiters } = buffer;
      buffer.items = [];
      buffer.waiters = [];
      try {
        await withTimeout(
          this.sink(partition)(toJobs(items, this.options.maxItems)),
          this.options.timeoutMs,
        );
        for (const w of waiters) w.resolve();
      } catch (error) {
        for (const w of waiters) w.reject(error);
      }
    }
  }

  private after(flush: () => void): NodeJS.Timeout | NodeJS.Immediate {
    const { lingerMs } = this.options;
    return lingerMs > 0 ? setTimeout(flush, lingerMs) : setImmediate(flush);
  }

  private cancel(timer: NodeJS.Timeout | NodeJS.Immediate): void {
    if (this.options.lingerMs > 0) clearTimeout(timer as NodeJS.Timeout);
    else clearImmediate(timer as NodeJS.Immediate);
  }

  private buffer(partition: number): PartitionBuffer {
    const buffer = this.buffers[partition];
    if (buffer === undefined) throw new RangeError(`no partition ${partition}`);
    return buffer;
  }

  private sink(partition: number): PartitionSink {
    return this.sinks[partition] as PartitionSink;
  }
}

function toJobs(items: QueuedItem[], maxItems: number): JobPayload[] {
  const jobs: JobPayload[] = [];
  for (let i = 0; i < items.length; i += maxItems)
    jobs.push({ v: 1, items: items.slice(i, i + maxItems) });
  return jobs;
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`enqueue timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
