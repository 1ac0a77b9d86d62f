import type { RedisClient } from './redis-connection.js';

/** Partitions past this in a notice are ignored: no cursor holds more (store's decodeFeedCursor). */
const MAX_PARTITIONS = 4096;

/**
 * Notices that a project's change feed moved on (docs/guarantees.md#change-feed): the worker
 * publishes the positions it committed, after the commit; readers waiting for changes wake up
 * and read the store. A notice only says "look now, up to here": one lost with a crashing
 * worker costs a waiting reader its wait, never a change, because readers read the store.
 */
export const changesChannel = (prefix: string): string => `${prefix}:changes`;

/**
 * Publishes that `partition` committed feed positions up to these, per project (one message;
 * best effort). The message is a JSON array: the projects, which is all that readers before
 * positions were announced understand, then `{partition, committed}`.
 */
export async function announceChanges(
  redis: RedisClient,
  prefix: string,
  partition: number,
  committed: ReadonlyMap<string, number>,
): Promise<void> {
  if (committed.size === 0) return;
  const message = [...committed.keys(), { partition, committed: Object.fromEntries(committed) }];
  await redis.publish(changesChannel(prefix), JSON.stringify(message));
}

/**
 * One subscription per process, shared by every waiting reader: a counter per project that each
 * notice for it advances. A reader takes the counter before it reads the store, and after an
 * empty read waits for it to move — so a notice that arrives between the two is never missed.
 * It also keeps the highest committed position announced for each project in each partition,
 * so that a reader can start reading what was announced without asking the store first.
 */
export class ChangeNotices {
  private readonly counters = new Map<string, number>();
  private readonly positions = new Map<string, number[]>();
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
   * The highest committed position announced (or {@link noteCommitted noted}) for `project` in
   * each partition so far, if any. Only ever behind the store's: a notice is sent after its
   * commit, and one may be lost.
   */
  committed(project: string): readonly number[] | undefined {
    return this.positions.get(project);
  }

  /** Raises what {@link committed} gives to `positions` (read from the store: committed too). */
  noteCommitted(project: string, positions: readonly number[]): void {
    positions.forEach((position, partition) => this.raise(project, partition, position));
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
    for (const entry of projects) if (typeof entry === 'object') this.noteAnnounced(entry);
    for (const project of projects) {
      if (typeof project !== 'string') continue;
      this.counters.set(project, (this.counters.get(project) ?? 0) + 1);
      for (const wake of [...(this.waiters.get(project) ?? [])]) wake();
    }
  }

  /** `{partition, committed: {project: position}}` of an announcement; anything else is ignored. */
  private noteAnnounced(entry: unknown): void {
    const { partition, committed } = (entry ?? {}) as { partition?: unknown; committed?: unknown };
    if (!Number.isSafeInteger(partition) || (partition as number) < 0) return;
    if ((partition as number) >= MAX_PARTITIONS) return;
    if (typeof committed !== 'object' || committed === null) return;
    for (const [project, position] of Object.entries(committed))
      if (Number.isSafeInteger(position))
        this.raise(project, partition as number, position as number);
  }

  private raise(project: string, partition: number, position: number): void {
    let known = this.positions.get(project);
    if (known === undefined) this.positions.set(project, (known = []));
    while (known.length <= partition) known.push(0);
    if (position > (known[partition] ?? 0)) known[partition] = position;
  }

  private wakeAll(): void {
    this.everyone++;
    for (const waiters of [...this.waiters.values()]) for (const wake of [...waiters]) wake();
  }
}
