import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/api-error';
import type { ChangePage, FeedChange } from '../api/types';
import { followChanges, type ChangeSource, type FeedStatus } from './follow-changes';

const change = (n: number): FeedChange => ({
  cursor: `c${n}`,
  kind: n === 1 ? 'create' : 'update',
  group_type: 'org',
  group_value: 'Acme',
  version: n,
  accepted_at: '2026-01-01T00:00:00.000Z',
  applied_at: '2026-01-01T00:00:00.100Z',
  changes: { n: { from: n - 1, to: n } },
});

const event = (n: number) => `id: c${n}\nevent: change\ndata: ${JSON.stringify(change(n))}\n\n`;

/** What one connection does: send these chunks, then fail, end, or stay open. */
interface Script {
  chunks: string[];
  then: 'error' | 'end' | 'hang';
}

/**
 * A read API whose stream follows `scripts`, one per connection; a script may also be an error
 * thrown when the stream is asked for. Records every cursor the stream was opened after.
 */
function fakeSource(now: ChangePage, scripts: (Script | ApiError)[]) {
  const openedAfter: string[] = [];
  const types: (string | undefined)[] = [];
  let fromNow = 0;
  const source: ChangeSource = {
    changesFromNow: (groupType) => {
      fromNow += 1;
      types.push(groupType);
      return Promise.resolve(now);
    },
    openChangeStream: (cursor, groupType, signal) => {
      openedAfter.push(cursor);
      types.push(groupType);
      const script = scripts.shift() ?? { chunks: [], then: 'hang' };
      if (script instanceof ApiError) return Promise.reject(script);
      const bytes = new TextEncoder();
      return Promise.resolve(
        // Pulled a chunk at a time, so that a failure comes after the chunks before it (an
        // errored stream drops what it still holds).
        new ReadableStream<Uint8Array>({
          start(controller) {
            signal.addEventListener('abort', () => {
              try {
                controller.error(new DOMException('aborted', 'AbortError'));
              } catch {
                // already closed
              }
            });
          },
          pull(controller) {
            const chunk = script.chunks.shift();
            if (chunk !== undefined) controller.enqueue(bytes.encode(chunk));
            else if (script.then === 'error') controller.error(new TypeError('network error'));
            else if (script.then === 'end') controller.close();
            else return new Promise<void>(() => undefined); // stays open
            return undefined;
          },
        }),
      );
    },
  };
  return { source, openedAfter, types, fromNow: () => fromNow };
}

/** Runs the follower until `until` holds (checked on every report), then aborts it. */
async function follow(
  source: ChangeSource,
  until: (seen: { changes: FeedChange[]; statuses: FeedStatus[] }) => boolean,
  options: { after?: string; silenceMs?: number; groupType?: string } = {},
) {
  const changes: FeedChange[] = [];
  const cursors: string[] = [];
  const statuses: FeedStatus[] = [];
  const pauses: number[] = [];
  const abort = new AbortController();
  const check = () => {
    if (until({ changes, statuses })) abort.abort();
  };
  const done = followChanges({
    source,
    groupType: options.groupType,
    after: options.after,
    signal: abort.signal,
    ...(options.silenceMs === undefined ? {} : { silenceMs: options.silenceMs }),
    onChanges: (batch, cursor) => {
      changes.push(...batch);
      cursors.push(cursor);
      check();
    },
    onStatus: (status) => {
      statuses.push(status);
      check();
    },
    sleep: (ms) => {
      pauses.push(ms);
      return Promise.resolve();
    },
  });
  // A bound, so that a follower that never gets there fails the test instead of hanging it.
  const timeout = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error('the follower did not get there')), 5_000),
  );
  await Promise.race([done, timeout]);
  return { changes, cursors, statuses, pauses, aborted: abort.signal.aborted };
}

describe('followChanges', () => {
  it('starts from now, then reads the stream after the cursor now turned out to be', async () => {
    const fake = fakeSource({ items: [change(1)], next_cursor: 'c1' }, [
      { chunks: ['retry: 2000\n\n', event(2), ': heartbeat\n\n', event(3)], then: 'hang' },
    ]);
    const seen = await follow(fake.source, ({ changes }) => changes.length === 3, {
      groupType: 'org',
    });
    expect(seen.changes.map((c) => c.version)).toStrictEqual([1, 2, 3]);
    expect(seen.cursors).toStrictEqual(['c1', 'c2', 'c3']);
    expect(fake.openedAfter).toStrictEqual(['c1']);
    expect(fake.types).toStrictEqual(['org', 'org']);
    expect(seen.statuses).toStrictEqual([{ state: 'connecting' }, { state: 'connected' }]);
  });

  it('after a drop, waits and resumes after the last change received: none missed or twice', async () => {
    const all = [1, 2, 3, 4, 5, 6].map(event).join('');
    // The first connection breaks in the middle of event 3; the second ends after event 5.
    const cut = all.indexOf('id: c3') + 20;
    const fake = fakeSource({ items: [], next_cursor: 'now-0' }, [
      { chunks: [all.slice(0, 30), all.slice(30, cut)], then: 'error' },
      { chunks: [event(3), event(4) + event(5).slice(0, 10), event(5).slice(10)], then: 'end' },
      { chunks: [event(6)], then: 'hang' },
    ]);
    const seen = await follow(fake.source, ({ changes }) => changes.length >= 6);
    expect(seen.changes.map((c) => c.version)).toStrictEqual([1, 2, 3, 4, 5, 6]);
    expect(fake.openedAfter).toStrictEqual(['now-0', 'c2', 'c5']);
    expect(fake.fromNow()).toBe(1);
    expect(seen.pauses).toStrictEqual([2000, 2000]);
    expect(seen.statuses).toStrictEqual([
      { state: 'connecting' },
      { state: 'connected' },
      {
        state: 'reconnecting',
        reason: 'the connection was lost (network error)',
        retryInMs: 2000,
      },
      { state: 'connecting' },
      { state: 'connected' },
      { state: 'reconnecting', reason: 'the server ended the stream', retryInMs: 2000 },
      { state: 'connecting' },
      { state: 'connected' },
    ]);
  });

  it('resumes after a given cursor without asking where now is', async () => {
    const fake = fakeSource({ items: [], next_cursor: 'unused' }, [
      { chunks: [event(4)], then: 'hang' },
    ]);
    const seen = await follow(fake.source, ({ changes }) => changes.length === 1, {
      after: 'c3',
    });
    expect(fake.fromNow()).toBe(0);
    expect(fake.openedAfter).toStrictEqual(['c3']);
    expect(seen.cursors).toStrictEqual(['c4']);
  });

  it('waits longer after each failure in a row, as long as the server said, up to 30 s', async () => {
    const unavailable = () => new ApiError(503, '503 Service unavailable');
    const fake = fakeSource({ items: [], next_cursor: 'c0' }, [
      { chunks: ['retry: 5000\n\n'], then: 'error' },
      ...Array.from({ length: 5 }, unavailable),
      { chunks: [event(1)], then: 'hang' },
    ]);
    const seen = await follow(fake.source, ({ changes }) => changes.length === 1);
    expect(seen.pauses).toStrictEqual([5000, 10_000, 20_000, 30_000, 30_000, 30_000]);
    expect(fake.openedAfter).toStrictEqual(['c0', 'c0', 'c0', 'c0', 'c0', 'c0', 'c0']);
    expect(seen.statuses).toContainEqual({
      state: 'reconnecting',
      reason: '503 Service unavailable',
      retryInMs: 10_000,
    });
  });

  it('stops on a refusal that another try would only get again', async () => {
    const fake = fakeSource({ items: [], next_cursor: 'c0' }, [
      new ApiError(401, 'The server did not accept these keys'),
    ]);
    const seen = await follow(fake.source, () => false);
    expect(seen.aborted).toBe(false);
    expect(seen.statuses.at(-1)).toStrictEqual({
      state: 'stopped',
      reason: 'The server did not accept these keys',
    });
    expect(fake.openedAfter).toStrictEqual(['c0']);
  });

  it('stops at a change it cannot read, after reporting what came before it', async () => {
    const fake = fakeSource({ items: [], next_cursor: 'c0' }, [
      {
        chunks: [event(1) + 'id: c2\nevent: change\ndata: {not json\n\n' + event(3)],
        then: 'hang',
      },
    ]);
    const seen = await follow(fake.source, () => false);
    expect(seen.changes.map((c) => c.version)).toStrictEqual([1]);
    expect(seen.statuses.at(-1)).toStrictEqual({
      state: 'stopped',
      reason: 'The stream sent a change that is not JSON',
    });
  });

  it('counts a connection silent for too long as dead, and resumes', async () => {
    const fake = fakeSource({ items: [], next_cursor: 'c0' }, [
      { chunks: [event(1)], then: 'hang' },
      { chunks: [event(2)], then: 'hang' },
    ]);
    const seen = await follow(fake.source, ({ changes }) => changes.length === 2, {
      silenceMs: 50,
    });
    expect(fake.openedAfter).toStrictEqual(['c0', 'c1']);
    expect(seen.statuses).toContainEqual({
      state: 'reconnecting',
      reason: 'nothing came for 0.05 s (the server sends a heartbeat every 15 s)',
      retryInMs: 2000,
    });
  });

  it('ends quietly when aborted, reporting nothing more', async () => {
    const fake = fakeSource({ items: [], next_cursor: 'c0' }, [
      { chunks: [event(1)], then: 'hang' },
    ]);
    const seen = await follow(fake.source, ({ changes }) => changes.length === 1);
    expect(seen.aborted).toBe(true);
    expect(seen.statuses).toStrictEqual([{ state: 'connecting' }, { state: 'connected' }]);
  });
});
