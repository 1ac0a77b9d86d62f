import { describe, expect, it, vi } from 'vitest';
import { createProjectLookup, type IngestProject } from './project-lookup.js';

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

/** The project `id` as the store answers it, with the default settings. */
const project = (id: string): IngestProject => ({
  id,
  rate_limit_per_s: undefined,
  allow_public_erase: false,
  ordering: 'received',
});

/** A store lookup answering from `projects` (api_key → project id), counting its calls. */
function store(projects: Record<string, string>) {
  return vi.fn((apiKey: string) => {
    const id = projects[apiKey];
    return Promise.resolve(id === undefined ? undefined : project(id));
  });
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
      new Promise<IngestProject | undefined>((resolve, fail) =>
        calls.push({
          apiKey,
          answer: (id) => resolve(id === undefined ? undefined : project(id)),
          fail,
        }),
      ),
  );
  return { find, calls };
}

describe('createProjectLookup', () => {
  it('answers the project id of a known key and undefined for an unknown one', async () => {
    const lookup = createProjectLookup(store({ k1: 'p1' }), TTL, manualClock().now);
    await expect(lookup('k1')).resolves.toEqual(project('p1'));
    await expect(lookup('nope')).resolves.toBeUndefined();
  });

  it('caches a hit for ttlMs', async () => {
    const clock = manualClock();
    const find = store({ k1: 'p1' });
    const lookup = createProjectLookup(find, TTL, clock.now);
    await lookup('k1');
    clock.advance(TTL - 1);
    await expect(lookup('k1')).resolves.toEqual(project('p1'));
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
    const find = store(projects);
    const lookup = createProjectLookup(find, TTL, clock.now);
    await lookup('k1'); // a hit…
    await lookup('k3'); // …and a miss
    projects['k3'] = 'p3'; // a new key…
    delete projects['k1']; // …and a revoked one
    clock.advance(TTL + 1);
    await expect(lookup('k1')).resolves.toBeUndefined();
    await expect(lookup('k3')).resolves.toEqual(project('p3'));
    expect(find.mock.calls.map(([key]) => key)).toEqual(['k1', 'k3', 'k1', 'k3']);
  });

  it('caches each key apart', async () => {
    const find = store({ k1: 'p1', k2: 'p2' });
    const lookup = createProjectLookup(find, TTL, manualClock().now);
    await expect(lookup('k1')).resolves.toEqual(project('p1'));
    await expect(lookup('k2')).resolves.toEqual(project('p2'));
    await expect(lookup('k1')).resolves.toEqual(project('p1'));
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
    await expect(Promise.all([first, second, other])).resolves.toEqual([
      project('p1'),
      project('p1'),
      undefined,
    ]);
    await expect(lookup('k1')).resolves.toEqual(project('p1'));
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
    await expect(third).resolves.toEqual(project('p1'));
  });

  it('keeps a hot key cached while more random keys than the cache holds miss', async () => {
    const find = store({ hot: 'p1' });
    // The default sizes: the old cache was cleared whole at 100,000 keys, the hot one with them.
    const lookup = createProjectLookup(find, TTL, manualClock().now);
    await lookup('hot');
    let found = 0;
    for (let i = 0; i < 120_000; i++) {
      if ((await lookup(`random-${i}`)) !== undefined) found++;
      if (i % 10_000 === 0) await lookup('hot');
    }
    expect(found).toBe(0);
    await expect(lookup('hot')).resolves.toEqual(project('p1'));
    expect(find.mock.calls.filter(([key]) => key === 'hot')).toHaveLength(1);
  });

  it('evicts the least recently used known key, not the one just used', async () => {
    const find = store({ k1: 'p1', k2: 'p2', k3: 'p3' });
    const lookup = createProjectLookup(find, TTL, manualClock().now, {
      maxKeys: 2,
      maxMisses: 2,
    });
    await lookup('k1');
    await lookup('k2');
    await lookup('k1'); // k1 used last: k2 goes when k3 comes
    await lookup('k3');
    await lookup('k1');
    expect(find.mock.calls.map(([key]) => key)).toEqual(['k1', 'k2', 'k3']);
    await lookup('k2');
    expect(find.mock.calls.map(([key]) => key)).toEqual(['k1', 'k2', 'k3', 'k2']);
  });

  it('keeps misses in a smaller cache of their own: they evict each other only', async () => {
    const find = store({ k1: 'p1' });
    const lookup = createProjectLookup(find, TTL, manualClock().now, {
      maxKeys: 10,
      maxMisses: 2,
    });
    await lookup('k1');
    for (const key of ['x1', 'x2', 'x3']) await lookup(key);
    await lookup('x3'); // still cached
    await lookup('x1'); // evicted by x3: asked again
    await lookup('k1');
    expect(find.mock.calls.map(([key]) => key)).toEqual(['k1', 'x1', 'x2', 'x3', 'x1']);
  });

  it('with a TTL of 0 asks the store every time', async () => {
    const find = store({ k1: 'p1' });
    const lookup = createProjectLookup(find, 0, manualClock().now);
    await lookup('k1');
    await lookup('k1');
    await lookup('nope');
    await lookup('nope');
    expect(find).toHaveBeenCalledTimes(4);
  });
});
