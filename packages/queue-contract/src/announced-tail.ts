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
/** A run no notice extended for this long is dropped (see {@link AnnouncedTail}). */
const IDLE_MS = 10_000;
/** Only the changes of projects whose feed was read this recently are kept. */
const READ_WITHIN_MS = 60_000;

interface Run {
  from: number;
  to: number;
  changes: { position: number; change: FeedChange }[];
  extendedAt: number;
}

/**
 * The latest changes the workers announced, per project and partition, for the feed's readers
 * to take instead of reading the store (docs/guarantees.md#change-feed). Each run holds every
 * change after `from` up to `to`: notices extend it only when each begins where it ends. A
 * notice without changes for a project (a batch that erased a group, or whose records an
 * earlier delivery wrote), or one that does not follow on (a notice was lost in between),
 * drops the run, so no run holds a change erased since. A run no notice has extended for
 * {@link IDLE_MS} is dropped too: after a lost notice with nothing following it, that is how
 * long an erased group's earlier changes can still be taken from here.
 */
export class AnnouncedTail {
  private readonly runs = new Map<string, Run>();
  private readonly readAt = new Map<string, number>();

  /** A notice of `partition`: the projects it committed, with their segments if it carried them. */
  add(
    partition: number,
    projects: Iterable<string>,
    segments: ReadonlyMap<string, AnnouncedSegment>,
    now: number,
  ): void {
    for (const project of projects) {
      const key = runKey(project, partition);
      const segment = segments.get(project);
      if (segment === undefined || now - (this.readAt.get(project) ?? -Infinity) > READ_WITHIN_MS) {
        this.runs.delete(key);
        continue;
      }
      let run = this.runs.get(key);
      if (run === undefined || run.to !== segment.after || now - run.extendedAt > IDLE_MS) {
        run = { from: segment.after, to: segment.after, changes: [], extendedAt: now };
        this.runs.set(key, run);
      }
      run.changes.push(...segment.changes);
      run.to = segment.to;
      run.extendedAt = now;
      // The oldest go first; the run then starts at the last of them.
      const excess = run.changes.length - MAX_RUN;
      if (excess > 0) run.from = run.changes.splice(0, excess).at(-1)?.position ?? run.from;
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
