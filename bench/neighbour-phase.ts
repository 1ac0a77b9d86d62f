import { withDatabase } from '@groupidentify/local-services';
import { spawnChild } from './child-process.js';
import type { Cleanup } from './cleanup.js';
import type { FloodCounts, FloodPlan } from './neighbour-flood.js';
import { step } from './log.js';
import type { BenchPlan } from './options.js';
import { quantile } from './paced-load.js';
import { preloadGroups } from './preload.js';
import { startStackApps } from './stack-apps.js';

/** Project B's reads of one group each, one after another, for a while. */
export interface ReadRun {
  reads: number;
  p50Ms: number;
  p99Ms: number;
}

export interface NeighbourFigures {
  groupsA: number;
  groupsB: number;
  unloaded: ReadRun;
  loaded: ReadRun;
  flood: FloodCounts;
}

const TYPE_A = 'noisy';
const TYPE_B = 'quiet';
const GROUPS_B = 1_000;
/** Project A's load: the same as the one that took B's p99 from 7 ms to 1.3 s before the limits. */
const FLOOD_CONNECTIONS = 16;
const FLOOD_PER_REQUEST = 100;
const COUNT_LOOPS = 2;
/** More long polls than one project may hold open (MAX_STREAMS_PER_PROJECT, 100). */
const POLL_LOOPS = 110;
const WARMUP_MS = 2_000;

/**
 * One project's reads while another floods the service (docs/guarantees.md#sharing-one-service-
 * between-projects): the apps `npm run stack` starts, with their defaults. Project B reads single
 * groups one after another, alone, then while project A sends 100 identifications per request on
 * 16 connections as fast as it is answered, counts its groups with a `where` no index serves, and
 * holds more long polls of its change feed than it may. B's p99 alone and under A's load. A's load
 * runs in a process of its own, as a neighbour's clients would: in this one, its autocannon and
 * its hundred polls' JSON held B's timed reads up in the bench's own event loop.
 */
export async function measureNeighbours(
  cleanup: Cleanup,
  setup: { redisUrl: string; serverUrl: string },
  plan: BenchPlan,
): Promise<NeighbourFigures> {
  const mongoUrl = withDatabase(setup.serverUrl, 'neighbours');
  const groupsA = plan.neighbourGroups;
  step(`noisy neighbour: preloading ${groupsA.toLocaleString('en-US')} groups of project A`);
  const a = await preloadGroups(mongoUrl, TYPE_A, groupsA, (i) => ({ plan: 'free', n: i }));
  const b = await preloadGroups(mongoUrl, TYPE_B, GROUPS_B, (i) => ({ plan: 'pro', n: i }));
  step('noisy neighbour: starting the apps as npm run stack does');
  const stack = await startStackApps(cleanup, {
    redisUrl: setup.redisUrl,
    mongoUrl,
    queuePrefix: 'neighbours',
  });
  try {
    const readB = (ms: number) => readGroups(stack.url, basic(b), ms);
    await readB(WARMUP_MS);
    step(`noisy neighbour: project B reads single groups alone for ${plan.neighbourSeconds} s`);
    const unloaded = await readB(plan.neighbourSeconds * 1000);
    step(
      `  p50 ${unloaded.p50Ms.toFixed(1)} ms, p99 ${unloaded.p99Ms.toFixed(1)} ms (${unloaded.reads} reads)`,
    );
    step(
      `noisy neighbour: the same while project A floods ingest (${FLOOD_CONNECTIONS} × ` +
        `${FLOOD_PER_REQUEST}/request), counts unindexed and holds ${POLL_LOOPS} long polls`,
    );
    const flood = floodOf(cleanup, {
      url: stack.url,
      ...a,
      groupType: TYPE_A,
      groups: groupsA,
      ms: plan.neighbourSeconds * 1000 + WARMUP_MS,
      perRequest: FLOOD_PER_REQUEST,
      connections: FLOOD_CONNECTIONS,
      countLoops: COUNT_LOOPS,
      pollLoops: POLL_LOOPS,
    });
    await new Promise((resolve) => setTimeout(resolve, WARMUP_MS));
    const loaded = await readB(plan.neighbourSeconds * 1000);
    const counts = await flood;
    step(
      `  p50 ${loaded.p50Ms.toFixed(1)} ms, p99 ${loaded.p99Ms.toFixed(1)} ms (${loaded.reads} reads); ` +
        `A: ${Math.round(counts.acceptedPerSec)} ids/s accepted, ${counts.ingestRefused} × 429; ` +
        `${counts.counts} counts (${counts.countsStopped} stopped at the time limit); ` +
        `${counts.polls} long-poll pages, ${counts.pollsRefused} polls refused`,
    );
    return { groupsA, groupsB: GROUPS_B, unloaded, loaded, flood: counts };
  } finally {
    await stack.stop();
  }
}

type Keys = { apiKey: string; secretKey: string };
const basic = (k: Keys) => `Basic ${Buffer.from(`${k.apiKey}:${k.secretKey}`).toString('base64')}`;

/** Reads `GET /api/groups/quiet/g<i>`, one at a time, for `ms`; any answer but 200 fails. */
async function readGroups(url: string, auth: string, ms: number): Promise<ReadRun> {
  const times: number[] = [];
  const end = performance.now() + ms;
  for (let i = 0; performance.now() < end; i++) {
    const started = performance.now();
    const res = await fetch(`${url}/api/groups/${TYPE_B}/g${i % GROUPS_B}`, {
      headers: { authorization: auth },
    });
    const body = await res.text();
    if (res.status !== 200) throw new Error(`project B's read got ${res.status}: ${body}`);
    times.push(performance.now() - started);
  }
  times.sort((x, y) => x - y);
  return { reads: times.length, p50Ms: quantile(times, 0.5), p99Ms: quantile(times, 0.99) };
}

/** Runs project A's load (bench/neighbour-flood.ts) in a process of its own; its counts. */
async function floodOf(cleanup: Cleanup, plan: FloodPlan): Promise<FloodCounts> {
  const tsx = ['--conditions=@groupidentify/source', '--import', 'tsx'];
  const child = spawnChild(cleanup, 'project A', 'bench/neighbour-flood.ts', {}, tsx, {
    args: [JSON.stringify(plan)],
  });
  const code = await child.exited();
  const line = /^flood (.*)$/m.exec(child.output());
  if (code !== 0 || line?.[1] === undefined)
    throw new Error(`project A's load failed (exit ${code}):\n${child.output().slice(-4000)}`);
  return JSON.parse(line[1]) as FloodCounts;
}
