import type { AnnouncedChanges, FeedChange } from '@groupidentify/store';

/**
 * One batch's changes of one project in one partition, as the batch's notice carries them: the
 * change at each position after `after` up to `to` that has one, in position order.
 */
export interface AnnouncedSegment {
  after: number;
  to: number;
  changes: { position: number; change: FeedChange }[];
}

/** Changes kept per project and partition: a few seconds of a busy partition. */
const MAX_RUN = 1_000;
/** And at most about this many bytes of them (as the notices carried them). */
const MAX_RUN_BYTES = 1_000_000;
/** A run no notice extended for this long is dropped (see {@link AnnouncedTail}). */
const IDLE_MS = 10_000;
/** Only the changes of projects whose feed was read this recently are kept. */
const READ_WITHIN_MS = 60_000;

interface Run {
  from: number;
  to: number;
  changes: { position: number; change: FeedChange }[];
  /** Bytes of each change as its notice carried it (a share of the notice), and their sum. */
  sizes: number[];
  bytes: number;
  extendedAt: number;
}

/**
 * The latest changes the workers announced, per project and partition, for the feed's readers
 * to take instead of reading the store (docs/guarantees.md#notices). Each run holds every change
 * after `from` up to `to`: notices extend it only when each begins where it ends. A notice
 * without changes for a project (a batch that erased a group, or whose records an earlier
 * delivery wrote), or one that does not follow on (a notice was lost in between), drops the
 * run; so does a late one (a notice whose batch began before a position another notice already
 * announced: a stalled worker's), which starts no run either. So no run holds a change erased
 * since, save for the gaps docs/guarantees.md#notices lists. A run no notice has extended for
 * {@link IDLE_MS} is dropped too: after a lost notice with nothing following it, that is how
 * long an erased group's earlier changes can still be taken from here.
 */
export class AnnouncedTail {
  private readonly runs = new Map<string, Run>();
  /** The highest position announced per project and partition, with changes or without. */
  private readonly announced = new Map<string, number>();
  private readonly readAt = new Map<string, number>();

  /**
   * A notice of `partition`: the positions it committed per project, with the segments it
   * carried (each change about `bytesPerChange` of the notice).
   */
  add(
    partition: number,
    committed: ReadonlyMap<string, number>,
    segments: ReadonlyMap<string, AnnouncedSegment>,
    bytesPerChange: number,
    now: number,
  ): void {
    for (const [project, position] of committed) {
      const key = runKey(project, partition);
      const before = this.announced.get(key) ?? 0;
      if (position > before) this.announced.set(key, position);
      const segment = segments.get(project);
      const read = now - (this.readAt.get(project) ?? -Infinity) <= READ_WITHIN_MS;
      if (segment === undefined || !read || segment.after < before) {
        this.runs.delete(key);
        continue;
      }
      let run = this.runs.get(key);
      if (run === undefined || run.to !== segment.after || now - run.extendedAt > IDLE_MS) {
        run = {
          from: segment.after,
          to: segment.after,
          changes: [],
          sizes: [],
          bytes: 0,
          extendedAt: now,
        };
        this.runs.set(key, run);
      }
      for (const change of segment.changes) {
        run.changes.push(change);
        run.sizes.push(bytesPerChange);
        run.bytes += bytesPerChange;
      }
      run.to = segment.to;
      run.extendedAt = now;
      // The oldest go first; the run then starts at the last of them.
      let excess = 0;
      let bytes = run.bytes;
      while (
        excess < run.changes.length &&
        (run.changes.length - excess > MAX_RUN || bytes > MAX_RUN_BYTES)
      )
        bytes -= run.sizes[excess++] ?? 0;
      if (excess > 0) {
        run.from = run.changes.splice(0, excess).at(-1)?.position ?? run.from;
        run.sizes.splice(0, excess);
        run.bytes = bytes;
      }
    }
  }

  /** Forgets every run (notices may have been lost). */
  clear(): void {
    this.runs.clear();
  }

  /**
   * Every change announced after `position` in `partition`, if this still holds them all from
   * there. Marks the project as read.
   */
  after(
    project: string,
    partition: number,
    position: number,
    now: number,
  ): AnnouncedChanges | undefined {
    this.readAt.set(project, now);
    const key = runKey(project, partition);
    const run = this.runs.get(key);
    if (run === undefined) return undefined;
    if (now - run.extendedAt > IDLE_MS) {
      this.runs.delete(key);
      return undefined;
    }
    if (position < run.from || position >= run.to) return undefined;
    const first = run.changes.findIndex((c) => c.position > position);
    return { to: run.to, changes: first < 0 ? [] : run.changes.slice(first) };
  }
}

const runKey = (project: string, partition: number): string => `${partition} ${project}`;
