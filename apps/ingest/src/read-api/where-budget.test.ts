import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { HttpError } from '../http-error.js';
import { WhereBudget } from './where-budget.js';

const direct = <R>(read: () => Promise<R>) => read();

/** A query that takes at least `ms` and then gives `outcome`. */
const slow =
  <T>(ms: number, outcome: () => T) =>
  async (): Promise<T> => {
    await delay(ms);
    return outcome();
  };

/** Project A runs a query of `ms`. */
const spend = (budget: WhereBudget, ms: number) =>
  budget.run(
    'A',
    slow(ms, () => 0),
    direct,
  );

/** A query giving `value` that notes whether it ran. */
function noted<T>(value: T) {
  const query = Object.assign(
    () => {
      query.ran = true;
      return Promise.resolve(value);
    },
    { ran: false },
  );
  return query;
}

/** The HttpError `run` was refused with (fails if it ran or failed otherwise). */
async function refusalOf(run: Promise<unknown>): Promise<HttpError> {
  const error = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(HttpError);
  return error as HttpError;
}

describe('WhereBudget', () => {
  it('charges a failed query the time it took, and refuses the next over 10 s of wait', async () => {
    // 1 ms a second: a 20 ms query is 20 s of budget, 19 s past the second's worth at once.
    const budget = new WhereBudget(1);
    const failing = slow(20, () => {
      throw new Error('the store stopped the query');
    });
    await expect(budget.run('A', failing, direct)).rejects.toThrow('the store stopped the query');
    const refused = await refusalOf(budget.run('A', () => Promise.resolve(1), direct));
    expect(refused.status).toBe(429);
    // Another project is not charged.
    await expect(budget.run('B', () => Promise.resolve(2), direct)).resolves.toBe(2);
  });

  it('gives up a query that waits for the budget once its client left: 499, never run', async () => {
    // 100 ms a second: a 200 ms query is 2 s of budget, 1 s past the second's worth at once.
    const budget = new WhereBudget(100);
    await spend(budget, 200);
    const left = new AbortController();
    const query = noted(1);
    const held = refusalOf(budget.run('A', query, direct, left.signal));
    left.abort();
    const refused = await held;
    expect(refused.status).toBe(499);
    expect(query.ran).toBe(false);
  });

  it('answers 429 for a query still in line after the longest wait; the one before it runs on', async () => {
    // A second of budget at once, and a longest wait of 50 ms: the first query holds the line.
    const budget = new WhereBudget(1000, undefined, 50);
    let finish: (n: number) => void = () => undefined;
    const first = budget.run('A', () => new Promise<number>((r) => (finish = r)), direct);
    const query = noted(2);
    const refused = await refusalOf(budget.run('A', query, direct));
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ retry_after_ms: 1000 });
    expect(query.ran).toBe(false);
    finish(1);
    await expect(first).resolves.toBe(1);
  });

  it('runs every query at once when the budget is 0 (off)', async () => {
    const budget = new WhereBudget(0);
    await spend(budget, 20);
    await expect(budget.run('A', () => Promise.resolve(1), direct)).resolves.toBe(1);
  });
});
