import type { RedisClient } from './redis-connection.js';

/**
 * Notices that a project's change feed moved on (docs/guarantees.md#change-feed): the worker
 * publishes the projects whose positions it committed, after the commit; readers waiting for
 * changes wake up and read the store. A notice only says "look now": one lost with a crashing
 * worker costs a waiting reader its wait, never a change, because readers read the store.
 */
export const changesChannel = (prefix: string): string => `${prefix}:changes`;

/** Publishes that these projects have new changes (one message; best effort). */
export async function announceChanges(
  redis: RedisClient,
  prefix: string,
  projects: Iterable<string>,
): Promise<void> {
  const list = [...projects];
  if (list.length > 0) await redis.publish(changesChannel(prefix), JSON.stringify(list));
}

/**
 * One subscription per process, shared by every waiting reader: a counter per project that each
 * notice for it advances. A reader takes the counter before it reads the store, and after an
 * empty read waits for it to move — so a notice that arrives between the two is never missed.
 */
export class ChangeNotices {
  private readonly counters = new Map<string, number>();
  /** Advanced for every project at once (a reconnect may have lost notices). */
  private everyone = 0;
  private readonly waiters = new Map<string, Set<() => void>>();

  private constructor(private readonly subscriber: RedisClient) {}

  /**
   * Subscribes on `subscriber`, a connection of its own (it can do nothing else once subscribed),
   * which {@link close} quits.
   */
  static async subscribe(subscriber: RedisClient, prefix: string): Promise<ChangeNotices> {
    const notices = new ChangeNotices(subscriber);
    subscriber.on('message', (_channel: string, message: string) => notices.notice(message));
    // A reconnect resubscribes (ioredis), but notices sent meanwhile are lost: wake everyone.
    subscriber.on('ready', () => notices.wakeAll());
    await subscriber.subscribe(changesChannel(prefix));
    return notices;
  }

  /** How many notices `project` has had (compare before and after a read). */
  counter(project: string): number {
    return (this.counters.get(project) ?? 0) + this.everyone;
  }

  /**
   * Resolves once `project`'s counter is past `seen`, after `timeoutMs`, or when `signal`
   * aborts, whichever is first. True when a notice came.
   */
  wait(project: string, seen: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    if (this.counter(project) > seen) return Promise.resolve(true);
    return new Promise((resolve) => {
      let set = this.waiters.get(project);
      if (set === undefined) this.waiters.set(project, (set = new Set()));
      const waiters = set;
      const done = (noticed: boolean) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', aborted);
        waiters.delete(wake);
        if (waiters.size === 0) this.waiters.delete(project);
        resolve(noticed);
      };
      const wake = () => done(true);
      const aborted = () => done(false);
      const timer = setTimeout(() => done(false), timeoutMs);
      signal?.addEventListener('abort', aborted);
      waiters.add(wake);
    });
  }

  async close(): Promise<void> {
    this.wakeAll();
    await this.subscriber.quit().catch(() => undefined);
  }

  private notice(message: string): void {
    let projects: unknown;
    try {
      projects = JSON.parse(message);
    } catch {
      return;
    }
    if (!Array.isArray(projects)) return;
    for (const project of projects) {
      if (typeof project !== 'string') continue;
      this.counters.set(project, (this.counters.get(project) ?? 0) + 1);
      for (const wake of [...(this.waiters.get(project) ?? [])]) wake();
    }
  }

  private wakeAll(): void {
    this.everyone++;
    for (const waiters of [...this.waiters.values()]) for (const wake of [...waiters]) wake();
  }
}
