import type { Request, Response } from 'express';
import {
  InvalidCursor,
  followFeed,
  readFeedPage,
  samePositions,
  startCursor,
  type ChangeNotices,
} from '@groupidentify/queue-contract';
import { withGroupHashes } from './feed-group-hashes.js';
import {
  encodeFeedCursor,
  type ChangeView,
  type FeedCursor,
  type Store,
} from '@groupidentify/store';
import { HttpError } from '../http-error.js';
import type { IngestMetrics } from '../metrics.js';
import { single } from '../single-value.js';
import { parseBasic, unauthorized } from './basic-auth.js';
import type { ConcurrencyCap } from './concurrency-cap.js';
import type { ProjectBudget } from './project-budget.js';
import type { Turns } from '@groupidentify/service-runtime';
import type { Credentials, CredentialWatch } from './credential-watch.js';
import { clientGone, onClientGone } from './client-gone.js';
import { readLimit } from './query-params.js';
import { storeFailure } from './store-failure.js';

export interface ChangesDeps {
  store: Store;
  metrics: IngestMetrics;
  partitions: number;
  /** Wakes waiting readers when a worker commits changes. */
  changeNotices: ChangeNotices;
  /** Aborted when the process stops: long polls answer, streams end. */
  shutdown: AbortSignal;
  /** Open streams and long polls, per project and in this process. */
  streamCap: ConcurrencyCap;
  /** Ends streams and long polls whose keys were rotated. */
  credentialWatch: CredentialWatch;
  /** Each page is read in one of its project's turns (a commit wakes every waiting reader). */
  turns: Turns;
  /** Changes a project's readers get per second from this process, all together. */
  feedBudget: ProjectBudget;
}

const MAX_WAIT_MS = 30_000;
/** A plain page reads through passed-over positions for this long at most. */
const MAX_READ_THROUGH_MS = 10_000;
/** The most changes a page of `GET /api/changes` holds (`limit`). */
export const MAX_FEED_PAGE = 1000;
/** SSE: a comment this often keeps proxies from closing an idle stream. */
const HEARTBEAT_MS = 15_000;
/** SSE: changes written per read; the stream waits for each to drain before reading on. */
const STREAM_PAGE = 100;
/** SSE: a client that takes no data for this long is dropped (it resumes from its last id). */
const SLOW_CLIENT_MS = 30_000;

/**
 * `GET /api/changes` (docs/api.md#change-feed): a page of changes after `after`. With `wait_ms`,
 * an empty page waits until a worker announces changes of the project, then reads again — one
 * Redis subscription per process, never a store poll per waiting client.
 */
export function changesHandler(deps: ChangesDeps) {
  return async (req: Request, res: Response): Promise<void> => {
    const project = res.locals['project'] as string;
    const limit = readLimit(single(req.query['limit']), 100, MAX_FEED_PAGE);
    const waitMs = readWait(single(req.query['wait_ms']));
    const groupType = single(req.query['group_type']) || undefined;
    const from = await startingPoint(deps, project, single(req.query['after']));
    if (waitMs === 0) {
      // A client gone while the page waits for its project's budget: nothing is read.
      const page = await readThrough(deps, from, limit, groupType, clientGone(res));
      res.json({ items: page.items, next_cursor: encodeFeedCursor(page.next) });
      return;
    }
    // A long poll: it counts toward the caps, and its keys are checked again while it waits.
    const release = deps.streamCap.take(project);
    const revoked = new AbortController();
    const unwatch = deps.credentialWatch.watch(project, credentialsOf(req), () => revoked.abort());
    try {
      await longPoll(deps, res, {
        from,
        limit,
        groupType,
        waitMs,
        revoked: revoked.signal,
      });
    } finally {
      unwatch();
      release();
    }
  };
}

interface LongPoll {
  from: FeedCursor;
  limit: number;
  groupType: string | undefined;
  waitMs: number;
  /** Aborted when the keys it was opened with stopped working: it answers 401. */
  revoked: AbortSignal;
}

async function longPoll(deps: ChangesDeps, res: Response, poll: LongPoll): Promise<void> {
  const { limit, groupType } = poll;
  const gone = new AbortController();
  const deadline = Date.now() + poll.waitMs;
  // A poll out of time, or of a reader gone, answers without waiting for its project's budget
  // (a timer of its own: AbortSignal.timeout inside AbortSignal.any did not fire here, Node 20).
  const outOfTime = new AbortController();
  const timer = setTimeout(() => outOfTime.abort(), poll.waitMs);
  onClientGone(res, () => {
    gone.abort();
    clearTimeout(timer);
  });
  const giveUp = AbortSignal.any([gone.signal, deps.shutdown, outOfTime.signal]);
  const pages = followFeed({
    notices: deps.changeNotices,
    from: poll.from,
    read: (from) => readPage(deps, from, limit, groupType, giveUp),
    waitMs: () => deadline - Date.now(),
    stop: poll.revoked,
    wake: AbortSignal.any([gone.signal, deps.shutdown]),
    waiters: deps.metrics.changeWaiters,
  });
  // A page that passed over records of other types is followed at once by the next.
  for await (const page of pages) {
    const over = gone.signal.aborted || deps.shutdown.aborted || Date.now() >= deadline;
    if (page.items.length > 0 || over) {
      res.json({ items: page.items, next_cursor: encodeFeedCursor(page.next) });
      return;
    }
  }
  throw unauthorized(); // the pages end only when revoked
}

/**
 * `GET /api/changes/stream`: the same changes as Server-Sent Events, each with its cursor as
 * `id:`, so that `Last-Event-ID` resumes exactly after it; a comment every 15 s while idle. One
 * page at a time, each drained before the next is read: a slow client holds at most a page
 * and is dropped after 30 s without taking any.
 */
export function changeStreamHandler(deps: ChangesDeps) {
  return async (req: Request, res: Response): Promise<void> => {
    const project = res.locals['project'] as string;
    const groupType = single(req.query['group_type']) || undefined;
    const lastEventId = req.headers['last-event-id'];
    const after = typeof lastEventId === 'string' && lastEventId !== '' ? lastEventId : undefined;
    const from = await startingPoint(deps, project, after ?? single(req.query['after']));
    const release = deps.streamCap.take(project);
    const gone = new AbortController();
    onClientGone(res, () => gone.abort());
    // Keys rotated: the stream ends, and the client's reconnection with them gets 401.
    const unwatch = deps.credentialWatch.watch(project, credentialsOf(req), () => gone.abort());
    try {
      await stream(deps, res, {
        from,
        groupType,
        stop: AbortSignal.any([gone.signal, deps.shutdown]),
      });
    } finally {
      unwatch();
      release();
    }
  };
}

interface Stream {
  from: FeedCursor;
  groupType: string | undefined;
  /** Aborted when the client leaves, the process stops or the keys were rotated. */
  stop: AbortSignal;
}

async function stream(deps: ChangesDeps, res: Response, options: Stream): Promise<void> {
  const { groupType, stop } = options;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    'x-accel-buffering': 'no', // nginx: do not buffer the stream
  });
  res.write('retry: 2000\n\n');
  let wroteAt = Date.now();
  const pages = followFeed({
    notices: deps.changeNotices,
    from: options.from,
    read: (from) => readPage(deps, from, STREAM_PAGE, groupType, stop),
    waitMs: () => Math.max(0, HEARTBEAT_MS - (Date.now() - wroteAt)),
    stop,
    waiters: deps.metrics.changeWaiters,
  });
  for await (const page of pages) {
    for (const change of page.items) {
      wroteAt = Date.now();
      if (!res.write(event(change)) && !(await drained(res, stop))) {
        res.destroy(); // too slow: it resumes from the last id it got
        return;
      }
    }
    // However busy the project (changes of other types wake this stream too), nothing
    // written for 15 s means a heartbeat, so that proxies keep the connection.
    if (Date.now() - wroteAt >= HEARTBEAT_MS) {
      res.write(': heartbeat\n\n');
      wroteAt = Date.now();
    }
  }
  res.end();
}

/** The keys the request signed in with (basicAuth took them before any handler runs). */
function credentialsOf(req: Request): Credentials {
  const credentials = parseBasic(req.headers.authorization);
  if (credentials === undefined) throw unauthorized();
  return credentials;
}

function event(change: ChangeView): string {
  return `id: ${change.cursor}\nevent: change\ndata: ${JSON.stringify(change)}\n\n`;
}

/** True once `res` drained; false when it did not within {@link SLOW_CLIENT_MS} or it stopped. */
function drained(res: Response, stop: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      res.off('drain', onDrain);
      stop.removeEventListener('abort', onStop);
      resolve(ok);
    };
    const onDrain = () => done(true);
    const onStop = () => done(false);
    const timer = setTimeout(() => done(false), SLOW_CLIENT_MS);
    res.on('drain', onDrain);
    stop.addEventListener('abort', onStop);
  });
}

/** `after` as {@link startCursor} takes it, empty counting as absent; its `400` and `503`s. */
async function startingPoint(
  deps: ChangesDeps,
  project: string,
  after: string | undefined,
): Promise<FeedCursor> {
  try {
    return await startCursor(deps.store.feed, project, deps.partitions, after || undefined);
  } catch (error) {
    if (error instanceof InvalidCursor) throw new HttpError(400, error.message);
    throw storeFailure(error, deps.store);
  }
}

/**
 * The page after `from`, in its project's turn and budget; when `stop` aborts first, an empty
 * page that stays at `from` (nothing read).
 */
async function readPage(
  deps: ChangesDeps,
  from: FeedCursor,
  limit: number,
  groupType: string | undefined,
  stop?: AbortSignal,
) {
  const { project } = from;
  try {
    const page = await deps.feedBudget.read(
      project,
      () =>
        deps.turns.run(project, () =>
          readFeedPage(deps.store.feed, deps.changeNotices, from, {
            limit,
            groupType,
            partitions: deps.partitions,
          }),
        ),
      (read) => read.items.length,
      stop,
    );
    if (page === undefined) return { items: [], next: from, heads: undefined };
    return await withGroupHashes(deps.store, project, page);
  } catch (error) {
    throw storeFailure(error, deps.store);
  }
}

/**
 * The page after `from`, read on past pages that only passed over positions (changes of other
 * types with `groupType`, records that changed nothing) until one holds changes or moves
 * nothing: an empty answer with `next_cursor` at `after` means nothing was left
 * (docs/api.md#pages-and-long-polls), not that a rare type's next change is further on. Each
 * page is read in the project's turn and budget like any other. It stops when the client leaves,
 * the process stops, or after {@link MAX_READ_THROUGH_MS}: a reader far behind then gets an
 * empty page whose cursor moved on, rather than a request held for minutes.
 */
async function readThrough(
  deps: ChangesDeps,
  from: FeedCursor,
  limit: number,
  groupType: string | undefined,
  gone: AbortSignal,
) {
  const deadline = Date.now() + MAX_READ_THROUGH_MS;
  let at = from;
  for (;;) {
    const page = await readPage(deps, at, limit, groupType, gone);
    if (page.items.length > 0 || samePositions(page.next, at)) return page;
    if (gone.aborted || deps.shutdown.aborted || Date.now() >= deadline) return page;
    at = page.next;
  }
}

function readWait(value: string | undefined): number {
  if (value === undefined || value === '') return 0;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > MAX_WAIT_MS)
    throw new HttpError(400, 'Invalid parameter', {
      field: 'wait_ms',
      reason: `must be an integer from 0 to ${MAX_WAIT_MS}`,
    });
  return n;
}
