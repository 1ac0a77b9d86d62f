import type { AnnouncedChanges } from '@groupidentify/store';
import { AnnouncedTail, type AnnouncedSegment } from './announced-tail.js';
import { encodeNotice, parseNotice, type Announcement } from './change-notice-message.js';
import { feedReadingReporter } from './feed-readers.js';
import type { RedisClient } from '../redis-connection.js';

/** Pages taken from announcements alone read the store's positions this often (per project). */
const HEADS_EVERY_MS = 1_000;

/**
 * Notices that a project's change feed moved on (docs/guarantees.md#change-feed): the worker
 * publishes the positions it committed, after the commit, and the changes themselves when it
 * knows every one of them; readers waiting for changes wake up and read. A notice only says
 * "look now, up to here (and here is what is there)": one lost with a crashing worker costs a
 * waiting reader its wait, never a change, because readers read the store for what no notice
 * brought.
 */
export const changesChannel = (prefix: string): string => `${prefix}:changes`;

/**
 * Publishes that `partition` committed feed positions up to these, per project, with the batch's
 * changes when the worker knows them all (one message; best effort).
 */
export async function announceChanges(
  redis: RedisClient,
  prefix: string,
  partition: number,
  committed: ReadonlyMap<string, number>,
  segments: ReadonlyMap<string, AnnouncedSegment> = new Map(),
): Promise<void> {
  if (committed.size === 0) return;
  // Changes too big for a notice (large property values) are left for readers to read.
  const withChanges =
    segments.size > 0
      ? encodeWithin({ partition, committed, segments }, MAX_NOTICE_BYTES)
      : undefined;
  const notice = withChanges ?? encodeNotice({ partition, committed, segments: new Map() });
  await redis.publish(changesChannel(prefix), notice);
}

/** A notice carries the changes only up to this size: each ingest parses every notice. */
const MAX_NOTICE_BYTES = 512 * 1024;

function encodeWithin(a: Announcement, maxBytes: number): string | undefined {
  try {
    const notice = encodeNotice(a);
    return notice.length <= maxBytes ? notice : undefined;
  } catch {
    return undefined; // too big for a string at all
  }
}

/**
 * One subscription per process, shared by every waiting reader: a counter per project that each
 * notice for it advances. A reader takes the counter before it reads the store, and after an
 * empty read waits for it to move — so a notice that arrives between the two is never missed.
 * It also keeps the highest committed position announced for each project in each partition,
 * so that a reader can start reading what was announced without asking the store first, and the
 * latest changes announced ({@link AnnouncedTail}), which a reader takes without reading at all.
 */
export class ChangeNotices {
  private readonly counters = new Map<string, number>();
  private readonly positions = new Map<string, number[]>();
  private readonly tail = new AnnouncedTail();
  private readonly headsReadAt = new Map<string, number>();
  /** Advanced for every project at once (a reconnect may have lost notices). */
  private everyone = 0;
  private readonly waiters = new Map<string, Set<() => void>>();

  private constructor(
    private readonly subscriber: RedisClient,
    private readonly reading: (() => void) | undefined,
  ) {}

  /**
   * Subscribes on `subscriber`, a connection of its own (it can do nothing else once subscribed),
   * which {@link close} quits. With `reporter` (another connection), this process tells the
   * workers that it serves the feed ({@link feedReadingReporter}) while it does: their notices
   * then carry the changes.
   */
  static async subscribe(
    subscriber: RedisClient,
    prefix: string,
    reporter?: RedisClient,
  ): Promise<ChangeNotices> {
    const reading = reporter === undefined ? undefined : feedReadingReporter(reporter, prefix);
    const notices = new ChangeNotices(subscriber, reading);
    subscriber.on('message', (_channel: string, message: string) => notices.notice(message));
    // Notices sent while the connection is down are lost, and one may have erased changes
    // kept here: forget them from the moment it drops. A reconnect resubscribes (ioredis):
    // wake everyone then.
    subscriber.on('close', () => notices.tail.clear());
    subscriber.on('ready', () => {
      notices.tail.clear();
      notices.wakeAll();
    });
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

  /** Every change announced after `position` in `partition`, if they are all still known here. */
  changesAfter(project: string, partition: number, position: number): AnnouncedChanges | undefined {
    this.reading?.();
    return this.tail.after(project, partition, position, Date.now());
  }

  /** Raises what {@link committed} gives to `positions` (read from the store: committed too). */
  noteCommitted(project: string, positions: readonly number[]): void {
    this.headsReadAt.set(project, Date.now());
    positions.forEach((position, partition) => this.raise(project, partition, position));
  }

  /**
   * Whether the store's positions of `project` are due to be read again: not {@link noteCommitted
   * noted} for {@link HEADS_EVERY_MS}. True once per such period.
   */
  headsDue(project: string): boolean {
    const now = Date.now();
    if (now - (this.headsReadAt.get(project) ?? 0) < HEADS_EVERY_MS) return false;
    this.headsReadAt.set(project, now);
    return true;
  }

  /**
   * Resolves once `project`'s counter is past `seen`, after `timeoutMs`, or when `signal`
   * aborts, whichever is first. True when a notice came.
   */
  wait(project: string, seen: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    if (this.counter(project) > seen) return Promise.resolve(true);
    if (signal?.aborted === true) return Promise.resolve(false); // it would never fire
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
    const { projects, announcements } = parseNotice(message);
    const changes = announcements.reduce(
      (n, a) => n + [...a.segments.values()].reduce((m, s) => m + s.changes.length, 0),
      0,
    );
    const bytesPerChange = message.length / Math.max(1, changes);
    for (const a of announcements) this.noteAnnounced(a, bytesPerChange);
    for (const project of projects) {
      this.counters.set(project, (this.counters.get(project) ?? 0) + 1);
      for (const wake of [...(this.waiters.get(project) ?? [])]) wake();
    }
  }

  private noteAnnounced(a: Announcement, bytesPerChange: number): void {
    for (const [project, position] of a.committed) this.raise(project, a.partition, position);
    this.tail.add(a.partition, a.committed, a.segments, bytesPerChange, Date.now());
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
