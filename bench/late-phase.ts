import { withDatabase } from '@groupidentify/local-services';
import { openStore } from '@groupidentify/store';
import { formBody } from './bodies.js';
import type { Cleanup } from './cleanup.js';
import { waitUntilDrained } from './drain.js';
import { median } from './http-load.js';
import { step } from './log.js';
import type { BenchPlan } from './options.js';
import { partitionQueues } from './partition-queues.js';
import { postAll } from './post-bodies.js';
import { startStackApps } from './stack-apps.js';

/** An `event_time` project's apply rate, in order and with late identifications. */
export interface LateFigures {
  identifications: number;
  inOrderIdsPerSec: number;
  lateIdsPerSec: number;
  /** Share of identifications sent late. */
  lateShare: number;
}

const LATE_SHARE = 0.1;
const HOUR_MS = 3_600_000;
const PER_REQUEST = 100;
/** Runs of each kind, alternated: in order, late, in order, late. */
const RUNS = 2;

/**
 * Event time (docs/semantics.md#event-time) on the apps `npm run stack` starts, against an
 * `event_time` project: `plan.lateGroups` groups get `plan.lateRounds` identifications each, sent
 * round by round (each round's requests are accepted before the next round's are sent) with the
 * queues paused, then timed from `resume()` until every job is done. In order, each round's
 * event time is a minute after the last; late, 10 % of the identifications of the rounds after the
 * first carry a time up to an hour earlier than their round's, so that they land before what the
 * group already has. The two kinds alternate, on new groups each run.
 */
export async function measureLate(
  cleanup: Cleanup,
  setup: { redisUrl: string; serverUrl: string },
  plan: BenchPlan,
): Promise<LateFigures> {
  const mongoUrl = withDatabase(setup.serverUrl, 'late');
  const store = await openStore(mongoUrl);
  const project = await store.projects
    .create('late', { ordering: 'event_time' })
    .finally(() => store.close());
  const stack = await startStackApps(cleanup, {
    redisUrl: setup.redisUrl,
    mongoUrl,
    queuePrefix: 'late',
  });
  const queues = partitionQueues(setup.redisUrl, 'late');
  const ids = plan.lateGroups * plan.lateRounds;
  const rates = { inOrder: [] as number[], late: [] as number[] };
  try {
    for (let run = 1; run <= RUNS; run++) {
      for (const late of [false, true]) {
        const name = `late: run ${run}, ${late ? '10 % late' : 'in order'}`;
        const type = `${late ? 'late' : 'inorder'}${run}`;
        step(`${name}: sending ${ids.toLocaleString('en-US')} identifications (queues paused)`);
        await queues.pause();
        const start = Date.now() - 2 * HOUR_MS;
        for (let round = 0; round < plan.lateRounds; round++) {
          const bodies = roundBodies(project.api_key, type, plan.lateGroups, round, start, late);
          await postAll(stack.url, bodies);
        }
        const started = performance.now();
        await queues.resume();
        await waitUntilDrained(queues, name);
        const rate = ids / ((performance.now() - started) / 1000);
        step(`  ${Math.round(rate)} identifications/s`);
        (late ? rates.late : rates.inOrder).push(rate);
      }
    }
  } finally {
    await queues.close();
    await stack.stop();
  }
  return {
    identifications: ids,
    inOrderIdsPerSec: median(rates.inOrder),
    lateIdsPerSec: median(rates.late),
    lateShare: LATE_SHARE,
  };
}

/**
 * One round's bodies: one identification per group, its event time a minute after the previous
 * round's; when `late`, 10 % of them (from the second round) are up to an hour earlier.
 */
function roundBodies(
  apiKey: string,
  type: string,
  groups: number,
  round: number,
  start: number,
  late: boolean,
): Buffer[] {
  const bodies: Buffer[] = [];
  for (let first = 0; first < groups; first += PER_REQUEST) {
    const ids = [];
    for (let g = first; g < Math.min(groups, first + PER_REQUEST); g++) {
      const onTime = start + HOUR_MS + round * 60_000;
      const isLate = late && round > 0 && Math.random() < LATE_SHARE;
      const time = isLate ? onTime - Math.floor(Math.random() * HOUR_MS) : onTime;
      ids.push({
        group_type: type,
        group_value: `g${g}`,
        group_properties: { $set: { plan: `p${round}` }, $add: { n: 1 }, $append: { seen: round } },
        time,
      });
    }
    bodies.push(formBody(apiKey, ids));
  }
  return bodies;
}
