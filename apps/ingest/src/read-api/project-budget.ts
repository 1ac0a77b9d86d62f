import { sleep } from '../abortable-sleep.js';
import { Turns } from '@groupidentify/service-runtime';

/**
 * A pace per project: its reads of one kind run one at a time in this process, first come first
 * served, and spend at most `perSecond` units a second all together. Ingest keeps two: the change
 * feed's pages, in changes (docs/guarantees.md#change-feed-budget: a project that holds a hundred
 * long polls asks for every change a hundred times), and `where` queries, in milliseconds of
 * store time (docs/guarantees.md#where-query-budget: a count no index serves scans the project's
 * groups). Without them one project's readers took ingest's event loop and the store from every
 * other project. Past the budget, the project's next read waits (nothing is lost).
 *
 * A virtual-time bucket (GCRA): each read moves the project's `due` time on by its units at
 * `perSecond`; a read may start while `due` is at most `burst` units ahead of now. A read is
 * charged once done (a page's changes, a query's time are known only then), so one that starts
 * on the last of the budget overdraws it by at most one read (one at a time); the next waits that
 * out.
 */
export class ProjectBudget {
  private readonly due = new Map<string, number>();
  /** One read of a project at a time, the others in line. */
  private readonly line = new Turns(1);

  private readonly now: () => number;
  private readonly waiting: WaitingGauge | undefined;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    options: BudgetOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.waiting = options.waiting;
  }

  /** How long `project`'s next read must wait (ms); 0 when it may start now. */
  waitMs(project: string): number {
    const due = this.due.get(project);
    if (due === undefined) return 0;
    return Math.max(0, due - this.now() - this.msOf(this.burst));
  }

  /** Counts `units` spent by a read of `project` (a read of none costs one: it was read too). */
  charge(project: string, units: number): void {
    const now = this.now();
    const due = Math.max(this.due.get(project) ?? now, now) + this.msOf(Math.max(1, units));
    this.due.set(project, due);
    if (this.due.size > MAX_PROJECTS) this.forgetIdle(now);
  }

  /**
   * Reads once in `project`'s turn, once the budget allows, and charges what the read spent
   * (`count`); or undefined, having read nothing, if `signal` aborted first (the reader left, its
   * long poll ran out, the process stops).
   */
  async read<P>(
    project: string,
    read: () => Promise<P>,
    count: (result: P) => number,
    signal?: AbortSignal,
  ): Promise<P | undefined> {
    const endTurn = await this.waitingFor(this.line.take(project, signal));
    if (endTurn === undefined) return undefined;
    try {
      if (!(await this.waitingFor(this.ready(project, signal)))) return undefined;
      const result = await read();
      this.charge(project, count(result));
      return result;
    } finally {
      endTurn();
    }
  }

  /** `wait`, counted by the `waiting` gauge until it settles. */
  private async waitingFor<T>(wait: Promise<T>): Promise<T> {
    this.waiting?.inc();
    try {
      return await wait;
    } finally {
      this.waiting?.dec();
    }
  }

  /** True once the budget lets `project` read; false if `signal` aborted first. */
  private async ready(project: string, signal: AbortSignal | undefined): Promise<boolean> {
    for (let wait = this.waitMs(project); wait > 0; wait = this.waitMs(project))
      if (!(await sleep(wait, signal))) return false;
    return signal?.aborted !== true;
  }

  private msOf(units: number): number {
    return (units * 1000) / this.perSecond;
  }

  /** Projects whose budget is whole again need no entry. */
  private forgetIdle(now: number): void {
    for (const [project, due] of this.due) if (due <= now) this.due.delete(project);
  }
}

/** Reads waiting for their turn or their project's budget: a gauge (`gi_read_budget_waiting`). */
export interface WaitingGauge {
  inc(): void;
  dec(): void;
}

interface BudgetOptions {
  /** The clock (ms). */
  now?: () => number;
  waiting?: WaitingGauge | undefined;
}

/** Entries kept before the idle ones are dropped. */
const MAX_PROJECTS = 10_000;
