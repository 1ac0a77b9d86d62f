import { clientClosedRequest, overBudget, type HttpError } from '../http-error.js';
import { ProjectBudget, type WaitingGauge } from './project-budget.js';

/** The longest a `where` query waits for its project's budget; one that would wait more: 429. */
export const MAX_WHERE_WAIT_MS = 10_000;

type Outcome<T> = { ok: true; value: T; ms: number } | { ok: false; error: unknown; ms: number };

/**
 * `where` queries (counts and lists filtered by property) of one project in this process: one at
 * a time, and at most `msPerSecond` milliseconds of store time a second all together
 * (docs/guarantees.md#where-query-budget). A count no index serves scans all of the project's
 * groups of the type; two such loops of one project held a core of the store, and the reads of
 * every other project waited behind them. A project that has not queried for a while gets a
 * second's worth at once; past that its next query waits. One that would wait more than
 * {@link MAX_WHERE_WAIT_MS} for the budget is answered `429` at once with `retry_after_ms`, and
 * so is one still waiting a tenth longer than that (it was in line behind the project's other
 * queries, whose cost was not known when it came). A query is charged the time it took, failed
 * ones too (a query stopped at the time limit spent it all).
 */
export class WhereBudget {
  private readonly budget: ProjectBudget | undefined;

  /**
   * `msPerSecond` 0: no budget. `waiting`: counts the queries waiting for it. `maxWaitMs`: the
   * longest a query waits ({@link MAX_WHERE_WAIT_MS}; shorter in tests).
   */
  constructor(
    private readonly msPerSecond: number,
    waiting?: WaitingGauge,
    private readonly maxWaitMs = MAX_WHERE_WAIT_MS,
  ) {
    this.budget =
      msPerSecond > 0 ? new ProjectBudget(msPerSecond, msPerSecond, { waiting }) : undefined;
  }

  /**
   * Runs `query` of `project` once its budget allows, in `inTurn` (the project's store turn);
   * `499` without running it if `signal` aborts first (its client left), `429` if it still waits
   * for the budget a tenth longer than the longest wait.
   */
  async run<T>(
    project: string,
    query: () => Promise<T>,
    inTurn: <R>(read: () => Promise<R>) => Promise<R>,
    signal?: AbortSignal,
  ): Promise<T> {
    const budget = this.budget;
    if (budget === undefined) return inTurn(query);
    const wait = budget.waitMs(project);
    if (wait > this.maxWaitMs) throw this.spent(wait);
    // A tenth more than the longest wait, so that a query let in for just under it is not
    // refused once it has waited that; a timer of its own: AbortSignal.timeout inside
    // AbortSignal.any did not fire (Node 20).
    const outOfTime = new AbortController();
    const timer = setTimeout(() => outOfTime.abort(), this.maxWaitMs * 1.1);
    try {
      const outcome = await budget.read(
        project,
        () => inTurn(() => timed(query)),
        (done) => done.ms,
        signal === undefined ? outOfTime.signal : AbortSignal.any([signal, outOfTime.signal]),
      );
      if (outcome === undefined)
        throw signal?.aborted === true
          ? clientClosedRequest()
          : this.spent(Math.max(budget.waitMs(project), 1000));
      if (!outcome.ok) throw outcome.error;
      return outcome.value;
    } finally {
      clearTimeout(timer);
    }
  }

  private spent(waitMs: number): HttpError {
    const reason = `over the project's budget of ${this.msPerSecond} ms of where queries per second`;
    return overBudget(Math.ceil(waitMs), reason);
  }
}

async function timed<T>(query: () => Promise<T>): Promise<Outcome<T>> {
  const started = performance.now();
  try {
    const value = await query();
    return { ok: true, value, ms: performance.now() - started };
  } catch (error) {
    return { ok: false, error, ms: performance.now() - started };
  }
}
