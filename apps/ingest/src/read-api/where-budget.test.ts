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

describe('WhereBudget', () => {
  it('charges a failed query the time it took, and refuses the next over 10 s of wait', async () => {
    // 1 ms a second: a 20 ms query is 20 s of budget, 19 s past the second's worth at once.
    const budget = new WhereBudget(1);
    const failing = slow(20, () => {
      throw new Error('the store stopped the query');
    });
    await expect(budget.run('A', failing, direct)).rejects.toThrow('the store stopped the query');
    const refused = await budget
      .run('A', () => Promise.resolve(1), direct)
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(HttpError);
    expect((refused as HttpError).status).toBe(429);
    // Another project is not charged.
    await expect(budget.run('B', () => Promise.resolve(2), direct)).resolves.toBe(2);
  });

  it('gives up a query that waits for the budget once its client left: 499, never run', async () => {
    // 100 ms a second: a 200 ms query is 2 s of budget, 1 s past the second's worth at once.
    const budget = new WhereBudget(100);
    await budget.run(
      'A',
      slow(200, () => 0),
      direct,
    );
    const left = new AbortController();
    const query = noted(1);
    const held = budget.run('A', query, direct, left.signal).catch((error: unknown) => error);
    left.abort();
    const refused = await held;
    expect(refused).toBeInstanceOf(HttpError);
    expect((refused as HttpError).status).toBe(499);
    expect(query.ran).toBe(false);
  });

  it('answers 429 for a query still in line after the longest wait; the one before it runs on', async () => {
    // A second of budget at once, and a longest wait of 50 ms: the first query holds the line.
    const budget = new WhereBudget(1000, undefined, 50);
    let finish: (n: number) => void = () => undefined;
    const first = budget.run('A', () => new Promise<number>((r) => (finish = r)), direct);
    const query = noted(2);
    const refused = await budget.run('A', query, direct).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(HttpError);
    expect((refused as HttpError).status).toBe(429);
    expect((refused as HttpError).body).toMatchObject({ retry_after_ms: 1000 });
    expect(query.ran).toBe(false);
    finish(1);
    await expect(first).resolves.toBe(1);
  });

  it('runs every query at once when the budget is 0 (off)', async () => {
    const budget = new WhereBudget(0);
    await budget.run(
      'A',
      slow(20, () => 0),
      direct,
    );
    await expect(budget.run('A', () => Promise.resolve(1), direct)).resolves.toBe(1);
  });
});
