import { describe, expect, it, vi } from 'vitest';
import { createProjectLookup } from './project-lookup.js';

const TTL = 1000;

/** A clock the test moves by hand. */
function manualClock(start = 50_000) {
  let time = start;
  return {
    now: () => time,
    advance: (ms: number) => {
      time += ms;
    },
  };
}

/** A store lookup answering from `projects`, counting its calls per key. */
function store(projects: Record<string, string>) {
  return vi.fn((apiKey: string) => Promise.resolve(projects[apiKey]));
}

/** A lookup whose answers the test gives, one pending promise per call. */
function pendingStore() {
  const calls: {
    apiKey: string;
    answer: (id: string | undefined) => void;
    fail: (e: Error) => void;
  }[] = [];
  const find = vi.fn(
    (apiKey: string) =>
      new Promise<string | undefined>((answer, fail) => calls.push({ apiKey, answer, fail })),
  );
  return { find, calls };
}

describe('createProjectLookup', () => {
  it('answers the project id of a known key and undefined for an unknown one', async () => {
    const lookup = createProjectLookup(store({ k1: 'p1' }), TTL, manualClock().now);
    await expect(lookup('k1')).resolves.toBe('p1');
    await expect(lookup('nope')).resolves.toBeUndefined();
  });

  it('caches a hit for ttlMs', async () => {
    const clock = manualClock();
    const find = store({ k1: 'p1' });
    const lookup = createProjectLookup(find, TTL, clock.now);
    await lookup('k1');
    clock.advance(TTL - 1);
    await expect(lookup('k1')).resolves.toBe('p1');
    expect(find).toHaveBeenCalledTimes(1);
  });

  it('caches a miss for ttlMs', async () => {
    const clock = manualClock();
    const find = store({});
    const lookup = createProjectLookup(find, TTL, clock.now);
    await lookup('unknown');
    clock.advance(TTL - 1);
    await expect(lookup('unknown')).resolves.toBeUndefined();
    expect(find).toHaveBeenCalledTimes(1);
  });

  it('asks again once an entry has expired, and answers the new value', async () => {
    const clock = manualClock();
    const projects: Record<string, string> = { k1: 'p1', k2: 'p2' };
    const find = vi.fn((apiKey: string) => Promise.resolve(projects[apiKey]));
    const lookup = createProjectLookup(find, TTL, clock.now);
    await lookup('k1'); // a hit…
    await lookup('k3'); // …and a miss
    projects['k3'] = 'p3'; // a new key…
    delete projects['k1']; // …and a revoked one
    clock.advance(TTL);
    await expect(lookup('k1')).resolves.toBeUndefined();
    await expect(lookup('k3')).resolves.toBe('p3');
    expect(find.mock.calls.map(([key]) => key)).toEqual(['k1', 'k3', 'k1', 'k3']);
  });

  it('caches each key apart', async () => {
    const find = store({ k1: 'p1', k2: 'p2' });
    const lookup = createProjectLookup(find, TTL, manualClock().now);
    await expect(lookup('k1')).resolves.toBe('p1');
    await expect(lookup('k2')).resolves.toBe('p2');
    await expect(lookup('k1')).resolves.toBe('p1');
    expect(find.mock.calls.map(([key]) => key)).toEqual(['k1', 'k2']);
  });

  it('shares one store call among concurrent misses for one key', async () => {
    const { find, calls } = pendingStore();
    const lookup = createProjectLookup(find, TTL, manualClock().now);
    const first = lookup('k1');
    const second = lookup('k1');
    const other = lookup('k2');
    expect(find.mock.calls.map(([key]) => key)).toEqual(['k1', 'k2']);
    calls[0]?.answer('p1');
    calls[1]?.answer(undefined);
    await expect(Promise.all([first, second, other])).resolves.toEqual(['p1', 'p1', undefined]);
    await expect(lookup('k1')).resolves.toBe('p1');
    expect(find).toHaveBeenCalledTimes(2);
  });

  it('does not cache a failed lookup: every waiter fails, the next call asks again', async () => {
    const { find, calls } = pendingStore();
    const lookup = createProjectLookup(find, TTL, manualClock().now);
    const first = lookup('k1');
    const second = lookup('k1');
    expect(find).toHaveBeenCalledTimes(1);
    const failure = new Error('store down');
    calls[0]?.fail(failure);
    await expect(first).rejects.toBe(failure);
    await expect(second).rejects.toBe(failure);
    const third = lookup('k1');
    expect(find).toHaveBeenCalledTimes(2);
    calls[1]?.answer('p1');
    await expect(third).resolves.toBe('p1');
  });
});
