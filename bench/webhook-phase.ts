import { setTimeout as delay } from 'node:timers/promises';
import { withDatabase } from '@groupidentify/local-services';
import { encodeFeedCursor, openStore, type Store } from '@groupidentify/store';
import { PARTITIONS } from './apps.js';
import { spreadBodies } from './bodies.js';
import type { Cleanup } from './cleanup.js';
import { waitUntilDrained } from './drain.js';
import { readFeedFrom } from './feed-reader.js';
import { median } from './http-load.js';
import { step } from './log.js';
import type { BenchPlan } from './options.js';
import { lagAt, type LagRun, type LagTarget } from './paced-lag.js';
import { quantile } from './paced-load.js';
import { partitionQueues } from './partition-queues.js';
import { postAll } from './post-bodies.js';
import { preloadGroups } from './preload.js';
import { maxUnderPacedLoad } from './stack-phase.js';
import { startStackApps } from './stack-apps.js';
import { startBenchReceiver, type BenchReceiver, type Tally } from './webhook-receiver.js';

/** One delivery of the whole backlog to a new destination. */
export interface BacklogDelivery {
  changesPerSec: number;
  seconds: number;
  /** From the destination's creation until its first change arrived (the supervisor's scan). */
  firstAfterSeconds: number;
  repeats: number;
  /** The median duration of the latest attempts (10 a partition), as the deliverer timed them. */
  attemptMedianMs: number;
}

/** Webhook delivery on the embedded default (docs/webhooks.md), against the change feed. */
export interface WebhookFigures {
  groups: number;
  /** Changes in the backlog each way reads. */
  changes: number;
  /** A client paging `/api/changes` from before the backlog, each repeat. */
  feedChangesPerSec: number[];
  /** A new destination starting before the backlog, from its creation until all arrived. */
  deliveries: BacklogDelivery[];
  /** Paced load at half of max with a destination active. */
  lag: {
    /** The stack's max under a paced load of 100 per request (the stack phase's, or measured here). */
    maxPerSec: number;
    run: LagRun;
    delivered: number;
    /**
     * Changes delivered per second from the load's start until the last arrived: below the
     * applied rate when delivery falls behind (its lag then grows with the run's length).
     */
    deliveredPerSec: number;
    repeats: number;
    appliedToArrivedP50Ms: number;
    appliedToArrivedP99Ms: number;
  };
}

const TYPE = 'hook';
const PREFIX = 'webhooks';
/** Per request, as the stack phase's `lag_p99_ms`. */
const PER_REQUEST = 100;
/** Keep-alive connections of the paced run, as the stack phase's. */
const PACED_CONNECTIONS = 512;
/** A destination whose delivery makes no progress for this long has stalled. */
const STALL_MS = 30_000;

/**
 * Webhook delivery on the apps `npm run stack` starts (its defaults, but
 * `DESTINATIONS_ALLOW_PRIVATE=true` for a receiver on this machine), over `plan.stackGroups`
 * preloaded groups. First a backlog: `plan.webhookChanges` identifications (100 per request)
 * sent and applied, each a change; then, `plan.webhookRepeats` times in turn, a client pages
 * `/api/changes` from before the backlog as fast as it can, and a new destination starting
 * before the backlog (made through the store, its start the feed's heads before the load) is
 * timed from its creation until the receiver had every change. Then the lag: a paced load at half
 * of the stack's max (`maxPerSec`, the stack phase's for 100 per request; measured here as the
 * stack phase does when not given) with a destination active, each change's arrival − its
 * `applied_at`.
 */
export async function measureWebhooks(
  cleanup: Cleanup,
  setup: { redisUrl: string; serverUrl: string },
  plan: BenchPlan,
  maxPerSec: number | undefined,
): Promise<WebhookFigures> {
  const mongoUrl = withDatabase(setup.serverUrl, 'webhooks');
  const groups = plan.stackGroups;
  step(`webhooks: preloading ${groups.toLocaleString('en-US')} groups`);
  const keys = await preloadGroups(mongoUrl, TYPE, groups, () => ({ plan: 'free', n: 0 }));
  const project = keys.projectId;
  const receiver = await startBenchReceiver();
  cleanup.add('the webhook receiver', () => receiver.close());
  step('webhooks: starting the apps as npm run stack does (DESTINATIONS_ALLOW_PRIVATE=true)');
  const stack = await startStackApps(
    cleanup,
    { redisUrl: setup.redisUrl, mongoUrl, queuePrefix: PREFIX },
    { DESTINATIONS_ALLOW_PRIVATE: 'true' },
  );
  const queues = partitionQueues(setup.redisUrl, PREFIX);
  cleanup.add('webhook partition queues', () => queues.close());
  const store = await openStore(mongoUrl);
  cleanup.add('the webhook phase store client', () => store.close());
  const worker = stack.workers[0];
  if (worker === undefined) throw new Error('the stack started no worker with metrics');
  const auth = `Basic ${Buffer.from(`${keys.apiKey}:${keys.secretKey}`).toString('base64')}`;
  try {
    // The backlog: every identification changes its group (a value of its own).
    const items = plan.webhookChanges;
    step(
      `webhooks: ${items.toLocaleString('en-US')} identifications, ${PER_REQUEST}/request, applied`,
    );
    const before = await store.feed.heads(project, PARTITIONS);
    const bodies = spreadBodies(keys.apiKey, TYPE, items / PER_REQUEST, PER_REQUEST, groups, 1e9);
    const loadStarted = performance.now();
    await postAll(stack.url, bodies);
    await waitUntilDrained(queues, 'webhooks, backlog');
    const backlogAppliedPerSec = items / ((performance.now() - loadStarted) / 1000);
    const after = await store.feed.heads(project, PARTITIONS);
    const from = encodeFeedCursor({ project, positions: before });

    const feedChangesPerSec: number[] = [];
    const deliveries: BacklogDelivery[] = [];
    let changes = 0;
    for (let r = 1; r <= plan.webhookRepeats; r++) {
      step(`webhooks: the feed read from before the backlog, as fast as a client pages (${r})`);
      const read = await readFeedFrom(stack.url, auth, from);
      if (changes !== 0 && read.changes !== changes)
        throw new Error(`webhooks: the feed gave ${read.changes} changes, before ${changes}`);
      changes = read.changes;
      feedChangesPerSec.push(read.changes / read.seconds);
      step(
        `  ${read.changes} changes in ${read.seconds.toFixed(2)} s: ` +
          `${Math.round(read.changes / read.seconds)} changes/s`,
      );
      step(`webhooks: a new destination from before the backlog, until all delivered (${r})`);
      deliveries.push(await deliverBacklog(store, receiver, project, before, after, changes, r));
    }
    if (changes !== items)
      step(`  note: ${changes} changes in the feed for ${items} identifications`);

    // The lag: a destination active from now, and a paced load at half of max.
    const target: LagTarget = {
      ingestUrl: stack.url,
      apiKey: keys.apiKey,
      groupType: TYPE,
      groups,
      queues,
      metricsUrl: worker.metricsUrl,
      connections: PACED_CONNECTIONS,
    };
    let max = maxPerSec;
    if (max === undefined) {
      step(`webhooks: the most the stack applies under a paced load, ${PER_REQUEST}/request`);
      max = (await maxUnderPacedLoad(target, PER_REQUEST, backlogAppliedPerSec, plan))
        .appliedPerSec;
    }
    const lag = await lagWithDestination(store, receiver, target, project, max, plan);
    return { groups, changes, feedChangesPerSec, deliveries, lag };
  } finally {
    await stack.stop();
  }
}

/** Creates a destination starting at `before` and waits until its receiver had `changes`. */
async function deliverBacklog(
  store: Store,
  receiver: BenchReceiver,
  project: string,
  before: number[],
  after: number[],
  changes: number,
  repeat: number,
): Promise<BacklogDelivery> {
  const name = `backlog-${repeat}`;
  const tally = receiver.tally(name);
  const created = performance.now();
  const destination = await store.destinations.create({
    project,
    url: receiver.urlFor(name),
    start: before,
    now: new Date(),
  });
  await untilDelivered(tally, changes, `webhooks, backlog delivery ${repeat}`);
  const seconds = ((tally.lastAt ?? NaN) - created) / 1000;
  await untilCaughtUp(store, destination._id, after);
  const attempts = (await store.destinations.states(destination._id)).flatMap((s) =>
    s.recent.map((a) => a.duration_ms),
  );
  const delivery = {
    changesPerSec: changes / seconds,
    seconds,
    firstAfterSeconds: ((tally.firstAt ?? NaN) - created) / 1000,
    repeats: tally.repeats,
    attemptMedianMs: median(attempts),
  };
  step(
    `  ${changes} changes delivered in ${seconds.toFixed(2)} s from the destination's creation ` +
      `(the first after ${delivery.firstAfterSeconds.toFixed(2)} s): ` +
      `${Math.round(delivery.changesPerSec)} changes/s; ${tally.repeats} repeats; an attempt ` +
      `took ${delivery.attemptMedianMs.toFixed(1)} ms (median of the latest ${attempts.length})`,
  );
  await store.destinations.remove(project, destination._id);
  return delivery;
}

/**
 * With a destination active from now, a paced load of 100 per request at half of `max`; waits
 * until the destination delivered everything the load applied, and sums up each change's arrival
 * − its `applied_at`.
 */
async function lagWithDestination(
  store: Store,
  receiver: BenchReceiver,
  target: LagTarget,
  project: string,
  max: number,
  plan: BenchPlan,
): Promise<WebhookFigures['lag']> {
  step(`webhooks: a destination active, paced load at half of ${Math.round(max)}/s`);
  const name = 'lag';
  const tally = receiver.tally(name);
  const destination = await store.destinations.create({
    project,
    url: receiver.urlFor(name),
    start: await store.feed.heads(project, PARTITIONS),
    now: new Date(),
  });
  // The supervisor takes a new destination up at its next scan: wait until every loop runs.
  const deadline = Date.now() + 30_000;
  while ((await store.destinations.states(destination._id)).length < PARTITIONS) {
    if (Date.now() > deadline) throw new Error('webhooks: the destination was not taken up');
    await delay(50);
  }
  const started = performance.now();
  const run = await lagAt(target, PER_REQUEST, max / 2, plan.lagSeconds);
  await untilCaughtUp(store, destination._id, await store.feed.heads(project, PARTITIONS));
  const lags = [...tally.appliedToArrivedMs].sort((a, b) => a - b);
  const lag = {
    maxPerSec: max,
    run,
    delivered: tally.firsts,
    deliveredPerSec: tally.firsts / (((tally.lastAt ?? NaN) - started) / 1000),
    repeats: tally.repeats,
    appliedToArrivedP50Ms: quantile(lags, 0.5),
    appliedToArrivedP99Ms: quantile(lags, 0.99),
  };
  step(
    `  ${tally.firsts} changes delivered (${run.applied} applied), ` +
      `${Math.round(lag.deliveredPerSec)}/s from the load's start to the last: applied → ` +
      `delivered p50 ${lag.appliedToArrivedP50Ms.toFixed(0)} ms, p99 ` +
      `${lag.appliedToArrivedP99Ms.toFixed(0)} ms; ${tally.repeats} repeats`,
  );
  await store.destinations.remove(project, destination._id);
  return lag;
}

/** Waits until `tally` has `changes` first deliveries; fails when none came for STALL_MS. */
async function untilDelivered(tally: Tally, changes: number, name: string): Promise<void> {
  let seen = -1;
  let since = Date.now();
  let line = Date.now();
  while (tally.firsts < changes) {
    if (tally.firsts !== seen) {
      seen = tally.firsts;
      since = Date.now();
    } else if (Date.now() - since > STALL_MS) {
      throw new Error(`${name}: stalled at ${tally.firsts} of ${changes} changes`);
    }
    if (Date.now() - line > 5000) {
      step(`${name}: ${tally.firsts} of ${changes} delivered`);
      line = Date.now();
    }
    await delay(10);
  }
}

/** Waits until every partition's delivered position of `destination` reached `heads`. */
async function untilCaughtUp(store: Store, destination: string, heads: number[]): Promise<void> {
  let since = Date.now();
  let behind = Infinity;
  for (;;) {
    const states = await store.destinations.states(destination);
    const position = (p: number) => states.find((s) => s.partition === p)?.position ?? 0;
    const left = heads.reduce((sum, head, p) => sum + Math.max(0, head - position(p)), 0);
    if (left === 0) return;
    if (left < behind) {
      behind = left;
      since = Date.now();
    } else if (Date.now() - since > STALL_MS) {
      throw new Error(`webhooks: delivery stalled with ${left} positions left`);
    }
    await delay(50);
  }
}

/** The median delivered and read rates (changes/s). */
export function webhookRates(w: WebhookFigures): { delivered: number; read: number } {
  return {
    delivered: median(w.deliveries.map((d) => d.changesPerSec)),
    read: median(w.feedChangesPerSec),
  };
}
