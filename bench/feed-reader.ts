import { Redis } from 'ioredis';
import { changesChannel, parseNotice } from '@groupidentify/queue-contract';
import { decodeFeedCursor } from '@groupidentify/store';
import { step } from './log.js';

/** What a long-polling change feed client saw, per change (ms). */
export interface FeedSamples {
  appliedToDeliveredMs: number[];
  acceptedToDeliveredMs: number[];
  /**
   * From the notice that announced the change's commit (the worker publishes it right after the
   * commit) until the client had it: the feed's own delay, change by change.
   */
  announcedToDeliveredMs: number[];
}

/** Where the workers announce their commits (the queue prefix's channel). */
export interface NoticeSource {
  redisUrl: string;
  queuePrefix: string;
}

/**
 * A client of `GET /api/changes` long-polling from now (docs/api.md#change-feed), as a
 * downstream system would: pages of up to 1,000, `wait_ms=30000`. Records, for every change,
 * how long after its `applied_at`, its `accepted_at` and the notice of its commit it was in the
 * client's hands. For the last, the bench reads what clients must not rely on: the positions in
 * each change's cursor, to find the change's partition and position, and the notices' committed
 * positions.
 */
export async function startFeedReader(
  ingestUrl: string,
  auth: string,
  project: string,
  notices: NoticeSource,
) {
  const samples: FeedSamples = {
    appliedToDeliveredMs: [],
    acceptedToDeliveredMs: [],
    announcedToDeliveredMs: [],
  };
  const announced = await followAnnouncements(notices);
  const abort = new AbortController();
  const get = (after: string, waitMs: number) =>
    getChanges(ingestUrl, auth, after, waitMs, abort.signal);
  let started: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (started = resolve));
  const done = (async () => {
    let cursor = (await get('now', 0)).next_cursor;
    started();
    while (!abort.signal.aborted) {
      const page = await get(cursor, 30_000).catch((error: unknown) => {
        if (abort.signal.aborted) return undefined;
        throw error;
      });
      if (page === undefined) return;
      const now = Date.now();
      const at = performance.now();
      let before = positionsOf(cursor, project);
      for (const c of page.items) {
        samples.appliedToDeliveredMs.push(now - Date.parse(c.applied_at));
        samples.acceptedToDeliveredMs.push(now - Date.parse(c.accepted_at));
        const after = positionsOf(c.cursor, project);
        // The one partition this change moved its cursor in, and its position there.
        const partition = after.findIndex((p, i) => p !== before[i]);
        const time = announced.timeOf(project, partition, after[partition] ?? 0);
        if (time !== undefined) samples.announcedToDeliveredMs.push(at - time);
        before = after;
      }
      cursor = page.next_cursor;
    }
  })();
  return {
    samples,
    /** Resolves once the reader holds its starting cursor. */
    ready,
    async stop(): Promise<FeedSamples> {
      abort.abort();
      await done;
      announced.stop();
      return samples;
    },
  };
}

/** One page of `GET /api/changes` (up to 1,000 changes after `after`). */
async function getChanges(
  ingestUrl: string,
  auth: string,
  after: string,
  waitMs: number,
  signal?: AbortSignal,
) {
  const res = await fetch(`${ingestUrl}/api/changes?after=${after}&limit=1000&wait_ms=${waitMs}`, {
    headers: { authorization: auth },
    ...(signal === undefined ? {} : { signal }),
  });
  if (!res.ok) throw new Error(`GET /api/changes: ${res.status} ${await res.text()}`);
  return (await res.json()) as {
    items: { applied_at: string; accepted_at: string; cursor: string }[];
    next_cursor: string;
  };
}

/**
 * A client of `GET /api/changes` catching up as fast as it can: pages of up to 1,000 from
 * `after`, each asked for as soon as the one before is read, until a page comes back empty (the
 * caller applied everything first, so that is the end). The changes read and how long it took.
 */
export async function readFeedFrom(
  ingestUrl: string,
  auth: string,
  after: string,
): Promise<{ changes: number; seconds: number }> {
  const started = performance.now();
  let cursor = after;
  let changes = 0;
  for (;;) {
    const page = await getChanges(ingestUrl, auth, cursor, 0);
    if (page.items.length === 0) break;
    changes += page.items.length;
    cursor = page.next_cursor;
  }
  return { changes, seconds: (performance.now() - started) / 1000 };
}

function positionsOf(cursor: string, project: string): number[] {
  const decoded = decodeFeedCursor(cursor, project);
  if (decoded === undefined) throw new Error(`the feed gave a cursor not of project ${project}`);
  return decoded.positions;
}

/**
 * Each notice's committed positions with when it arrived: `timeOf` gives when a position was
 * first announced (the first notice of its partition at or past it).
 */
async function followAnnouncements({ redisUrl, queuePrefix }: NoticeSource) {
  const subscriber = new Redis(redisUrl);
  const byPartition = new Map<string, { position: number; at: number }[]>();
  subscriber.on('message', (_channel: string, message: string) => {
    const at = performance.now();
    for (const { partition, committed } of parseNotice(message).announcements) {
      for (const [project, position] of committed) {
        const key = `${project} ${partition}`;
        let list = byPartition.get(key);
        if (list === undefined) byPartition.set(key, (list = []));
        list.push({ position, at });
      }
    }
  });
  await subscriber.subscribe(changesChannel(queuePrefix));
  return {
    timeOf(project: string, partition: number, position: number): number | undefined {
      return byPartition.get(`${project} ${partition}`)?.find((n) => n.position >= position)?.at;
    },
    stop: () => subscriber.disconnect(),
  };
}

/** What the reader measured during one run (docs/performance.md, change feed). */
export interface FeedFigures {
  changes: number;
  appliedToDeliveredP99Ms: number;
  acceptedToDeliveredP99Ms: number;
  /** Per change, from the notice of its commit (see {@link FeedSamples}). */
  announcedToDeliveredP50Ms: number;
  announcedToDeliveredP99Ms: number;
}

/**
 * Stops the reader once it has had `applied` changes (fewer if some identifications changed
 * nothing: then once none arrived for 3 s), and sums up.
 */
export async function stopFeedReader(
  reader: Awaited<ReturnType<typeof startFeedReader>>,
  applied: number,
): Promise<FeedFigures> {
  let count = -1;
  let since = Date.now();
  while (reader.samples.appliedToDeliveredMs.length < applied && Date.now() - since < 3_000) {
    if (reader.samples.appliedToDeliveredMs.length !== count) {
      count = reader.samples.appliedToDeliveredMs.length;
      since = Date.now();
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const samples = await reader.stop();
  const feed = {
    changes: samples.appliedToDeliveredMs.length,
    appliedToDeliveredP99Ms: quantile(samples.appliedToDeliveredMs, 0.99),
    acceptedToDeliveredP99Ms: quantile(samples.acceptedToDeliveredMs, 0.99),
    announcedToDeliveredP50Ms: quantile(samples.announcedToDeliveredMs, 0.5),
    announcedToDeliveredP99Ms: quantile(samples.announcedToDeliveredMs, 0.99),
  };
  step(
    `  change feed: ${feed.changes} of ${applied} changes delivered to a long poll; applied → ` +
      `delivered p99 ${feed.appliedToDeliveredP99Ms.toFixed(0)} ms, accepted → delivered p99 ` +
      `${feed.acceptedToDeliveredP99Ms.toFixed(0)} ms; from the notice of its commit: p50 ` +
      `${feed.announcedToDeliveredP50Ms.toFixed(0)} ms, p99 ${feed.announcedToDeliveredP99Ms.toFixed(0)} ms ` +
      `(${samples.announcedToDeliveredMs.length} matched)`,
  );
  return feed;
}

function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}
