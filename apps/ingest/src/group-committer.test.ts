import type { JobPayload, QueuedItem } from '@groupidentify/queue-contract';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { GroupCommitter, type GroupCommitOptions } from './group-committer.js';

const OPTIONS: GroupCommitOptions = { lingerMs: 10, maxItems: 3, timeoutMs: 1000 };

function item(id: string): QueuedItem {
  return {
    project: 'p',
    group_type: 'company',
    group_value: id,
    group_properties: {},
    received_at: 0,
  };
}

const items = (...ids: string[]) => ids.map(item);

/** The group values of each job of one sink call. */
const values = (jobs: JobPayload[]) => jobs.map((job) => job.items.map((i) => i.group_value));

interface Call {
  jobs: JobPayload[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** A sink that records each call and leaves it pending until the test settles it. */
function fakeSink() {
  const calls: Call[] = [];
  const sink = (jobs: JobPayload[]) =>
    new Promise<void>((resolve, reject) => calls.push({ jobs, resolve, reject }));
  const call = (n: number): Call => {
    const c = calls[n];
    if (c === undefined) throw new Error(`sink call ${n} did not happen (${calls.length} calls)`);
    return c;
  };
  return { sink, calls, call };
}

/** The state of a promise, readable at any time (and its rejection always handled). */
function track(promise: Promise<void>) {
  const state: { status: 'pending' | 'resolved' | 'rejected'; error?: unknown } = {
    status: 'pending',
  };
  promise.then(
    () => (state.status = 'resolved'),
    (error: unknown) => {
      state.status = 'rejected';
      state.error = error;
    },
  );
  return state;
}

/** Lets every pending promise callback run (the clock does not move). */
const settle = () => vi.advanceTimersByTimeAsync(0);

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('GroupCommitter', () => {
  it('flushes a buffer lingerMs after its first item, with what arrived meanwhile', async () => {
    const s = fakeSink();
    const committer = new GroupCommitter([s.sink], OPTIONS);
    const a = track(committer.add(0, items('a')));
    await vi.advanceTimersByTimeAsync(6);
    const b = track(committer.add(0, items('b')));
    await vi.advanceTimersByTimeAsync(3); // 9 ms after the first item
    expect(s.calls).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(s.calls).toHaveLength(1);
    expect(s.call(0).jobs).toEqual([{ v: 1, items: items('a', 'b') }]);
    expect([a.status, b.status]).toEqual(['pending', 'pending']);
  });

  it('with lingerMs 0, flushes once the current turn of the event loop is over, with its items', async () => {
    const s = fakeSink();
    const committer = new GroupCommitter([s.sink], { ...OPTIONS, lingerMs: 0 });
    track(committer.add(0, items('a')));
    track(committer.add(0, items('b')));
    expect(s.calls).toHaveLength(0);
    await vi.advanceTimersToNextTimerAsync(); // runs the setImmediate
    expect(s.calls).toHaveLength(1);
    expect(values(s.call(0).jobs)).toEqual([['a', 'b']]);
  });

  it('resolves a request only once the flush holding its items resolves', async () => {
    const s = fakeSink();
    const committer = new GroupCommitter([s.sink], OPTIONS);
    const a = track(committer.add(0, items('a')));
    await vi.advanceTimersByTimeAsync(OPTIONS.lingerMs);
    expect(s.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(OPTIONS.timeoutMs / 2);
    expect(a.status).toBe('pending');
    s.call(0).resolve();
    await settle();
    expect(a.status).toBe('resolved');
  });

  it('flushes at once when a buffer reaches maxItems', async () => {
    const s = fakeSink();
    const committer = new GroupCommitter([s.sink], OPTIONS);
    track(committer.add(0, items('a', 'b')));
    await settle();
    expect(s.calls).toHaveLength(0);
    track(committer.add(0, items('c')));
    await settle();
    expect(s.calls).toHaveLength(1);
    expect(values(s.call(0).jobs)).toEqual([['a', 'b', 'c']]);
  });

  it('does not flush a full buffer again when its linger time comes', async () => {
    const s = fakeSink();
    const committer = new GroupCommitter([s.sink], OPTIONS);
    const a = track(committer.add(0, items('a')));
    const b = track(committer.add(0, items('b', 'c')));
    await settle();
    expect(s.calls).toHaveLength(1);
    s.call(0).resolve();
    await vi.advanceTimersByTimeAsync(OPTIONS.lingerMs * 5);
    expect(s.calls).toHaveLength(1);
    expect([a.status, b.status]).toEqual(['resolved', 'resolved']);
  });

  it('splits a flush into jobs of at most maxItems, in order', async () => {
    const s = fakeSink();
    const committer = new GroupCommitter([s.sink], OPTIONS);
    track(committer.add(0, items('a', 'b', 'c', 'd', 'e', 'f', 'g')));
    await settle();
    expect(s.calls).toHaveLength(1);
    expect(values(s.call(0).jobs)).toEqual([['a', 'b', 'c'], ['d', 'e', 'f'], ['g']]);
  });

  it('rejects the requests of a failed flush with the sink error; other partitions go on', async () => {
    const s0 = fakeSink();
    const s1 = fakeSink();
    const committer = new GroupCommitter([s0.sink, s1.sink], OPTIONS);
    const a = track(committer.add(0, items('a')));
    const b = track(committer.add(0, items('b')));
    const x = track(committer.add(1, items('x')));
    await vi.advanceTimersByTimeAsync(OPTIONS.lingerMs);
    expect(values(s0.call(0).jobs)).toEqual([['a', 'b']]);
    expect(values(s1.call(0).jobs)).toEqual([['x']]);
    const failure = new Error('redis down');
    s0.call(0).reject(failure);
    s1.call(0).resolve();
    await settle();
    expect(a).toEqual({ status: 'rejected', error: failure });
    expect(b).toEqual({ status: 'rejected', error: failure });
    expect(x.status).toBe('resolved');
  });

  it('goes on with later items of a partition after a failed flush', async () => {
    const s = fakeSink();
    const committer = new GroupCommitter([s.sink], OPTIONS);
    const a = track(committer.add(0, items('a')));
    await vi.advanceTimersByTimeAsync(OPTIONS.lingerMs);
    s.call(0).reject(new Error('boom'));
    await settle();
    expect(a.status).toBe('rejected');
    const b = track(committer.add(0, items('b')));
    await vi.advanceTimersByTimeAsync(OPTIONS.lingerMs);
    expect(values(s.call(1).jobs)).toEqual([['b']]);
    s.call(1).resolve();
    await settle();
    expect(b.status).toBe('resolved');
  });

  it('runs one flush at a time per partition: what arrives meanwhile goes next, in order', async () => {
    const s = fakeSink();
    const committer = new GroupCommitter([s.sink], OPTIONS);
    const a = track(committer.add(0, items('a')));
    await vi.advanceTimersByTimeAsync(OPTIONS.lingerMs);
    expect(s.calls).toHaveLength(1);
    const b = track(committer.add(0, items('b', 'c')));
    const d = track(committer.add(0, items('d', 'e', 'f', 'g'))); // more than maxItems meanwhile
    await vi.advanceTimersByTimeAsync(OPTIONS.lingerMs * 3);
    expect(s.calls).toHaveLength(1); // still waiting for the first flush
    s.call(0).resolve();
    await settle();
    expect(a.status).toBe('resolved');
    expect([b.status, d.status]).toEqual(['pending', 'pending']);
    expect(s.calls).toHaveLength(2);
    expect(values(s.call(1).jobs)).toEqual([
      ['b', 'c', 'd'],
      ['e', 'f', 'g'],
    ]);
    s.call(1).resolve();
    await settle();
    expect([b.status, d.status]).toEqual(['resolved', 'resolved']);
    expect(s.calls).toHaveLength(2);
  });

  it('flushes partitions independently of each other', async () => {
    const s0 = fakeSink();
    const s1 = fakeSink();
    const committer = new GroupCommitter([s0.sink, s1.sink], OPTIONS);
    track(committer.add(0, items('a')));
    await vi.advanceTimersByTimeAsync(OPTIONS.lingerMs);
    expect(s0.calls).toHaveLength(1); // partition 0's flush hangs…
    track(committer.add(1, items('x', 'y', 'z')));
    await settle();
    expect(values(s1.call(0).jobs)).toEqual([['x', 'y', 'z']]); // …and partition 1 does not wait
    expect(s0.calls).toHaveLength(1);
  });

  it('fails the requests of a flush slower than timeoutMs, then goes on', async () => {
    const s = fakeSink();
    const committer = new GroupCommitter([s.sink], OPTIONS);
    const a = track(committer.add(0, items('a')));
    await vi.advanceTimersByTimeAsync(OPTIONS.lingerMs);
    const b = track(committer.add(0, items('b')));
    await vi.advanceTimersByTimeAsync(OPTIONS.timeoutMs - 1);
    expect(a.status).toBe('pending');
    await vi.advanceTimersByTimeAsync(1);
    expect(a.status).toBe('rejected');
    expect(a.error).toBeInstanceOf(Error);
    expect(String(a.error)).toMatch(/timed out/);
    // The partition is not stuck behind the hung call: the next flush starts.
    expect(s.calls).toHaveLength(2);
    expect(values(s.call(1).jobs)).toEqual([['b']]);
    s.call(1).resolve();
    await settle();
    expect(b.status).toBe('resolved');
  });

  it('drain() flushes every buffer at once and waits for every flush to end', async () => {
    const s0 = fakeSink();
    const s1 = fakeSink();
    const s2 = fakeSink();
    const committer = new GroupCommitter([s0.sink, s1.sink, s2.sink], OPTIONS);
    const a = track(committer.add(0, items('a')));
    const x = track(committer.add(2, items('x')));
    const drained = track(committer.drain());
    await settle();
    expect(values(s0.call(0).jobs)).toEqual([['a']]);
    expect(values(s2.call(0).jobs)).toEqual([['x']]);
    expect(s1.calls).toHaveLength(0); // nothing buffered, nothing enqueued
    s0.call(0).resolve();
    await settle();
    expect(drained.status).toBe('pending');
    s2.call(0).reject(new Error('down'));
    await settle();
    expect(drained.status).toBe('resolved'); // a failed flush has ended too
    expect([a.status, x.status]).toEqual(['resolved', 'rejected']);
    await vi.advanceTimersByTimeAsync(OPTIONS.lingerMs * 2);
    expect(s0.calls).toHaveLength(1); // the linger timer did not flush again
  });

  it('drain() waits for a flush already running and what was buffered behind it', async () => {
    const s = fakeSink();
    const committer = new GroupCommitter([s.sink], OPTIONS);
    track(committer.add(0, items('a')));
    await vi.advanceTimersByTimeAsync(OPTIONS.lingerMs);
    const b = track(committer.add(0, items('b')));
    const drained = track(committer.drain());
    await settle();
    expect(s.calls).toHaveLength(1);
    s.call(0).resolve();
    await settle();
    expect(drained.status).toBe('pending');
    expect(values(s.call(1).jobs)).toEqual([['b']]);
    s.call(1).resolve();
    await settle();
    expect([b.status, drained.status]).toEqual(['resolved', 'resolved']);
  });

  it('refuses a partition it has no sink for', () => {
    const committer = new GroupCommitter([fakeSink().sink], OPTIONS);
    expect(() => committer.add(1, items('a'))).toThrow(RangeError);
  });
});
