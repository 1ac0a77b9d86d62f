import { ApiError, messageOf } from '../api/api-error';
import type { ChangePage, FeedChange } from '../api/types';
import { SseParser } from './sse-parser';

/** What the follower needs of the read API (ReadApi; a fake in the unit tests). */
export interface ChangeSource {
  /** `GET /api/changes?after=now`: a cursor for "now", and any change already past it. */
  changesFromNow(groupType: string | undefined, signal: AbortSignal): Promise<ChangePage>;
  /** `GET /api/changes/stream` after `cursor` (`Last-Event-ID`): the body of a `200`. */
  openChangeStream(
    cursor: string,
    groupType: string | undefined,
    signal: AbortSignal,
  ): Promise<ReadableStream<Uint8Array>>;
}

/** Where the connection is. */
export type FeedStatus =
  | { state: 'connecting' }
  | { state: 'connected' }
  /** Lost; the next try, after `retryInMs`, resumes after the last change received. */
  | { state: 'reconnecting'; reason: string; retryInMs: number }
  /** Refused in a way waiting will not cure (wrong keys, a cursor the server does not know). */
  | { state: 'stopped'; reason: string };

export interface FollowOptions {
  source: ChangeSource;
  groupType: string | undefined;
  /** Resume right after this cursor; undefined: from now (only what comes next). */
  after: string | undefined;
  /** Ends the following: the stream is closed, a pending retry dropped, nothing more reported. */
  signal: AbortSignal;
  /**
   * Changes as they arrive, oldest first, and the cursor to resume from after them (with no
   * changes: where "now" turned out to be). Each change is reported once.
   */
  onChanges: (changes: FeedChange[], cursor: string) => void;
  onStatus: (status: FeedStatus) => void;
  /**
   * With nothing at all received for this long (the server sends a heartbeat every 15 s), the
   * connection counts as dead even if no error says so (a half-open TCP connection).
   */
  silenceMs?: number;
  /** Waits `ms`, or less if `signal` is aborted. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** The server's `retry:` says 2 s; until it has said anything, the same. */
const DEFAULT_RETRY_MS = 2_000;
/** Failures in a row double the wait, up to this. */
const MAX_RETRY_MS = 30_000;
const SILENCE_MS = 45_000;

/** Statuses that another try would only get again. */
const FINAL = new Set([400, 401, 403, 404]);

/** A connection that ended without the caller asking for it, and why, in words. */
class Dropped extends Error {}

/** A change the console cannot read: waiting would only get it again. */
class Unreadable extends Error {}

/**
 * Follows the project's change feed until `signal` is aborted: finds "now" (unless `after` is
 * given), opens the event stream after it, and on any failure waits a little and opens it again
 * after the last change received, so that nothing is missed or reported twice. Resolves when
 * aborted or stopped; never rejects.
 */
export async function followChanges(options: FollowOptions): Promise<void> {
  const { source, groupType, signal, onChanges, onStatus } = options;
  const sleep = options.sleep ?? abortableSleep;
  const silenceMs = options.silenceMs ?? SILENCE_MS;
  let cursor = options.after;
  let retryMs = DEFAULT_RETRY_MS;
  let failures = 0;
  // A function: TypeScript would otherwise take `signal.aborted` as false all through the loop.
  const stopped = () => signal.aborted;
  onStatus({ state: 'connecting' });
  while (!stopped()) {
    const connection = new AbortController();
    const stop = () => connection.abort();
    signal.addEventListener('abort', stop);
    const watchdog = new Watchdog(connection, silenceMs);
    let failure: unknown;
    try {
      if (cursor === undefined) {
        const page = await source.changesFromNow(groupType, connection.signal);
        cursor = page.next_cursor;
        onChanges(page.items, cursor);
      }
      const body = await source.openChangeStream(cursor, groupType, connection.signal);
      failures = 0;
      onStatus({ state: 'connected' });
      await readStream(body, connection.signal, watchdog, {
        retry: (ms) => (retryMs = ms),
        changes: (changes, last) => {
          cursor = last;
          onChanges(changes, last);
        },
      });
    } catch (thrown) {
      failure = watchdog.fired
        ? new Dropped(
            `nothing came for ${silenceMs / 1000} s (the server sends a heartbeat every 15 s)`,
          )
        : thrown;
    } finally {
      watchdog.stop();
      signal.removeEventListener('abort', stop);
      connection.abort();
    }
    if (stopped()) return;
    if (
      failure instanceof Unreadable ||
      (failure instanceof ApiError && FINAL.has(failure.status))
    ) {
      onStatus({ state: 'stopped', reason: failure.message });
      return;
    }
    failures += 1;
    const wait = Math.min(retryMs * 2 ** (failures - 1), MAX_RETRY_MS);
    onStatus({ state: 'reconnecting', reason: reasonOf(failure), retryInMs: wait });
    await sleep(wait, signal);
    if (!stopped()) onStatus({ state: 'connecting' });
  }
}

/**
 * Aborts the connection when nothing has come for `ms`: from the request until the stream's
 * headers, and between any two chunks of the stream.
 */
class Watchdog {
  fired = false;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly connection: AbortController,
    private readonly ms: number,
  ) {
    this.heard();
  }

  heard(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.fired = true;
      this.connection.abort();
    }, this.ms);
  }

  stop(): void {
    clearTimeout(this.timer);
  }
}

interface StreamHandlers {
  retry: (ms: number) => void;
  changes: (changes: FeedChange[], cursor: string) => void;
}

/**
 * Reads the stream until it fails or ends (both throw), reporting each chunk's complete `change`
 * events together. A change whose event was cut off is not reported: it comes again after the
 * last id that was.
 */
async function readStream(
  body: ReadableStream<Uint8Array>,
  signal: AbortSignal,
  watchdog: Watchdog,
  on: StreamHandlers,
): Promise<void> {
  const reader = body.getReader();
  const parser = new SseParser();
  // The connection's end (the caller's abort, or the watchdog's) ends a pending read.
  const close = () => void reader.cancel().catch(() => undefined);
  signal.addEventListener('abort', close);
  if (signal.aborted) close();
  watchdog.heard();
  try {
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) throw new Dropped('the server ended the stream');
      watchdog.heard();
      const changes: FeedChange[] = [];
      let last = '';
      try {
        for (const item of parser.pushBytes(chunk.value)) {
          if (item.kind === 'retry') on.retry(item.ms);
          if (item.kind !== 'event' || item.type !== 'change') continue;
          const change = parseChange(item.data);
          changes.push(change);
          last = item.id === '' ? change.cursor : item.id;
        }
      } finally {
        // What came before a change that cannot be read is still reported (and resumed after).
        if (changes.length > 0) on.changes(changes, last);
      }
    }
  } finally {
    signal.removeEventListener('abort', close);
    close();
  }
}

function parseChange(data: string): FeedChange {
  let change: unknown;
  try {
    change = JSON.parse(data);
  } catch {
    throw new Unreadable('The stream sent a change that is not JSON');
  }
  if (
    typeof change !== 'object' ||
    change === null ||
    typeof (change as Partial<FeedChange>).cursor !== 'string' ||
    typeof (change as Partial<FeedChange>).changes !== 'object'
  )
    throw new Unreadable('The stream sent a change the console cannot read');
  return change as FeedChange;
}

function reasonOf(error: unknown): string {
  if (error instanceof Dropped) return error.message;
  if (error instanceof ApiError) return error.message;
  // What a body read throws when the connection breaks (Chromium: "network error").
  if (error instanceof TypeError) return `the connection was lost (${error.message})`;
  return messageOf(error);
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });
}
