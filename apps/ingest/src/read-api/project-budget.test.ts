import { describe, expect, it } from 'vitest';
import { ProjectBudget } from './project-budget.js';

/** A budget of 1,000 changes a second, a burst of 100, on a clock the test moves. */
function budget() {
  const clock = { now: 1_000_000 };
  return { clock, budget: new ProjectBudget(1000, 100, { now: () => clock.now }) };
}

describe('ProjectBudget', () => {
  it('lets pages through until the burst is used, then spaces them at the rate', () => {
    const { clock, budget: b } = budget();
    expect(b.waitMs('A')).toBe(0);
    b.charge('A', 100); // one burst: due 100 ms ahead, which is the burst
    expect(b.waitMs('A')).toBe(0);
    b.charge('A', 50);
    expect(b.waitMs('A')).toBe(50);
    clock.now += 20;
    expect(b.waitMs('A')).toBe(30);
    clock.now += 30;
    expect(b.waitMs('A')).toBe(0);
  });

  it('a page larger than the budget overdraws it, and the pages after wait it out', () => {
    const { clock, budget: b } = budget();
    b.charge('A', 1000);
    expect(b.waitMs('A')).toBe(900);
    clock.now += 900;
    expect(b.waitMs('A')).toBe(0);
  });

  it("keeps each project's budget apart, and an empty page costs one change", () => {
    const { budget: b } = budget();
    b.charge('A', 300);
    expect(b.waitMs('A')).toBe(200);
    expect(b.waitMs('B')).toBe(0);
    for (let i = 0; i < 101; i++) b.charge('B', 0);
    expect(b.waitMs('B')).toBe(1);
  });

  it('an idle project gets its whole burst back, not more', () => {
    const { clock, budget: b } = budget();
    b.charge('A', 150);
    clock.now += 10_000;
    b.charge('A', 100);
    expect(b.waitMs('A')).toBe(0);
    b.charge('A', 1);
    expect(b.waitMs('A')).toBe(1);
  });

  it("reads a project's pages one at a time, in order, and charges each", async () => {
    const b = new ProjectBudget(1e9, 1e9);
    const log: string[] = [];
    let finishFirst: () => void = () => undefined;
    const first = b.read(
      'A',
      () =>
        new Promise<number>((resolve) => (finishFirst = () => resolve(1))).then((n) => {
          log.push('first done');
          return n;
        }),
      (n) => n,
    );
    const second = b.read(
      'A',
      () => {
        log.push('second started');
        return Promise.resolve(2);
      },
      (n) => n,
    );
    const other = await b.read(
      'B',
      () => Promise.resolve(3),
      (n) => n,
    );
    expect(other).toBe(3); // another project's page is not in A's line
    await new Promise((resolve) => setImmediate(resolve));
    expect(log).toStrictEqual([]);
    finishFirst();
    expect(await Promise.all([first, second])).toStrictEqual([1, 2]);
    expect(log).toStrictEqual(['first done', 'second started']);
  });

  it('gives up without reading when its signal aborts while it waits for the budget', async () => {
    const b = new ProjectBudget(1, 1); // one change a second
    await b.read(
      'A',
      () => Promise.resolve(60),
      (n) => n,
    ); // a minute to wait
    const giveUp = new AbortController();
    let read = false;
    const page = b.read(
      'A',
      () => {
        read = true;
        return Promise.resolve(1);
      },
      (n) => n,
      giveUp.signal,
    );
    giveUp.abort();
    expect(await page).toBeUndefined();
    expect(read).toBe(false);
  });

  it('counts the reads waiting for their turn or the budget, until they read or give up', async () => {
    let waiting = 0;
    const gauge = { inc: () => waiting++, dec: () => waiting-- };
    const b = new ProjectBudget(1, 1, { waiting: gauge }); // one change a second
    await b.read(
      'A',
      () => Promise.resolve(60),
      (n) => n,
    ); // a minute to wait
    expect(waiting).toBe(0);
    const giveUp = new AbortController();
    const never = () => Promise.reject(new Error('read after giving up'));
    const held = b.read('A', never, () => 1, giveUp.signal); // waits for the budget
    const behind = b.read('A', never, () => 1, giveUp.signal); // waits in line
    expect(waiting).toBe(2);
    giveUp.abort();
    expect(await Promise.all([held, behind])).toStrictEqual([undefined, undefined]);
    expect(waiting).toBe(0);
  });

  it('a reader that gives up in line lets the ones behind it go on, after the one before it', async () => {
    const b = new ProjectBudget(1e9, 1e9);
    let finishFirst: () => void = () => undefined;
    const first = b.read(
      'A',
      () => new Promise<number>((resolve) => (finishFirst = () => resolve(1))),
      (n) => n,
    );
    const giveUp = new AbortController();
    const second = b.read(
      'A',
      () => Promise.resolve(2),
      (n) => n,
      giveUp.signal,
    );
    let thirdStarted = false;
    const third = b.read(
      'A',
      () => {
        thirdStarted = true;
        return Promise.resolve(3);
      },
      (n) => n,
    );
    giveUp.abort();
    expect(await second).toBeUndefined();
    await new Promise((resolve) => setImmediate(resolve));
    expect(thirdStarted).toBe(false);
    finishFirst();
    expect(await Promise.all([first, third])).toStrictEqual([1, 3]);
  });
});
