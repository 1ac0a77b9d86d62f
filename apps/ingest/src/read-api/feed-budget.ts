import { setTimeout as delay } from 'node:timers/promises';
import { Turns } from '@groupidentify/service-runtime';

/**
 * The change feed's pages of one project (pages, long polls, SSE streams), read one at a time in
 * this process, first come first served, and at most `perSecond` changes a second all together
 * (docs/guarantees.md#change-feed-budget). A project that holds a hundred long polls asks for
 * every change a hundred times; without this their pages took ingest's event loop and the store
 * from every other project. Past the budget, the project's next page waits (nothing is refused
 * or lost: its readers fall behind and catch up later).
 *
 * A virtual-time bucket (GCRA): each page moves the project's `due` time on by its changes at
 * `perSecond`; a page may start while `due` is at most `burst` changes ahead of now. A page is
 * charged once read, so one that starts on the last of the budget overdraws it by at most a page
 * (one at a time); the next waits that out.
 */
export class FeedBudget {
  private readonly due = new Map<string, number>();
  /** One page of a project at a time, the others in line. */
  private readonly line = new Turns(1);

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** How long `project`'s next page must wait (ms); 0 when it may start now. */
  waitMs(project: string): number {
    const due = this.due.get(project);
    if (due === undefined) return 0;
    return Math.max(0, due - this.now() - this.msOf(this.burst));
  }

  /** Counts a page of `changes` read for `project` (a page of none costs one: it was read too). */
  charge(project: string, changes: number): void {
    const now = this.now();
    const due = Math.max(this.due.get(project) ?? now, now) + this.msOf(Math.max(1, changes));
    this.due.set(project, due);
    if (this.due.size > MAX_PROJECTS) this.forgetIdle(now);
  }

  /**
   * Reads one page of `project` in its turn, once the budget allows, and charges its changes
   * (`count`); or undefined, having read nothing, if `signal` aborted first (the reader left, its
   * long poll ran out, the process stops).
   */
  async read<P>(
    project: string,
    read: () => Promise<P>,
    count: (page: P) => number,
    signal?: AbortSignal,
  ): Promise<P | undefined> {
    const endTurn = await this.line.take(project, signal);
    if (endTurn === undefined) return undefined;
    try {
      if (!(await this.ready(project, signal))) return undefined;
      const page = await read();
      this.charge(project, count(page));
      return page;
    } finally {
      endTurn();
    }
  }

  /** True once the budget lets `project` read a page; false if `signal` aborted first. */
  private async ready(project: string, signal: AbortSignal | undefined): Promise<boolean> {
    for (let wait = this.waitMs(project); wait > 0; wait = this.waitMs(project))
      if (!(await sleep(wait, signal))) return false;
    return signal?.aborted !== true;
  }

  private msOf(changes: number): number {
    return (changes * 1000) / this.perSecond;
  }

  /** Projects whose budget is whole again need no entry. */
  private forgetIdle(now: number): void {
    for (const [project, due] of this.due) if (due <= now) this.due.delete(project);
  }
}

/** Entries kept before the idle ones are dropped. */
const MAX_PROJECTS = 10_000;

/** Resolves true after `ms`, or false as soon as `signal` aborts. */
async function sleep(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  try {
    await delay(ms, undefined, { signal });
    return true;
  } catch (error) {
    if (signal?.aborted === true) return false;
    throw error;
  }
}
