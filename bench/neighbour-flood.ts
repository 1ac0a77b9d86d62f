// Project A of the noisy-neighbour phase (bench/neighbour-phase.ts), run as its own process so
// that its load (autocannon, a hundred long polls, their JSON) never shares an event loop with the
// reads the phase times: a neighbour floods from elsewhere. Argument: the JSON of a FloodPlan;
// prints one line `flood <FloodCounts as JSON>` when done.
import { spreadBodies } from './bodies.js';
import { loadGroupIdentify } from './http-load.js';

export interface FloodPlan {
  url: string;
  apiKey: string;
  secretKey: string;
  groupType: string;
  groups: number;
  ms: number;
  /** Identifications per request, on this many connections, as fast as they are answered. */
  perRequest: number;
  connections: number;
  /** Loops counting A's groups with a `where` no index serves, one count after another. */
  countLoops: number;
  /** Loops each holding one long poll of A's change feed at a time. */
  pollLoops: number;
}

/** What project A did to the service, by answer. */
export interface FloodCounts {
  /** Identifications accepted per second, and requests refused `429` (rate limit, backlog). */
  acceptedPerSec: number;
  ingestRefused: number;
  /** `where` counts answered, and stopped at the time limit. */
  counts: number;
  countsStopped: number;
  /** Long-poll pages of the change feed received, and polls refused over the stream cap. */
  polls: number;
  pollsRefused: number;
}

async function flood(plan: FloodPlan): Promise<FloodCounts> {
  const { url, groupType } = plan;
  const end = Date.now() + plan.ms;
  const auth = `Basic ${Buffer.from(`${plan.apiKey}:${plan.secretKey}`).toString('base64')}`;
  const bodies = spreadBodies(plan.apiKey, groupType, 2_000, plan.perRequest, plan.groups, 1e9);
  const ingest =
    plan.connections > 0
      ? loadGroupIdentify(url, bodies, {
          connections: plan.connections,
          seconds: plan.ms / 1000,
          refusalsAllowed: true,
        })
      : Promise.resolve({ reqPerSec: 0, refused: 0 });
  const tally = { counts: 0, countsStopped: 0, polls: 0, pollsRefused: 0 };
  const get = async (path: string, expected: readonly number[]) => {
    const res = await fetch(`${url}${path}`, { headers: { authorization: auth } });
    const body = await res.text();
    if (!expected.includes(res.status))
      throw new Error(`project A's GET ${path} got ${res.status}: ${body}`);
    return { status: res.status, body };
  };
  const where = encodeURIComponent(JSON.stringify({ n: { $gte: 0 } }));
  const countLoop = async () => {
    while (Date.now() < end) {
      const res = await get(`/api/groups/count?group_type=${groupType}&where=${where}`, [200, 503]);
      if (res.status === 200) tally.counts++;
      else tally.countsStopped++;
    }
  };
  const pollLoop = async () => {
    let cursor = 'now';
    while (Date.now() < end) {
      const wait = Math.max(0, Math.min(30_000, end - Date.now()));
      const res = await get(`/api/changes?after=${cursor}&limit=1000&wait_ms=${wait}`, [200, 429]);
      if (res.status === 429) {
        tally.pollsRefused++;
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        continue;
      }
      tally.polls++;
      cursor = (JSON.parse(res.body) as { next_cursor: string }).next_cursor;
    }
  };
  const [result] = await Promise.all([
    ingest,
    ...Array.from({ length: plan.countLoops }, countLoop),
    ...Array.from({ length: plan.pollLoops }, pollLoop),
  ]);
  return {
    acceptedPerSec: result.reqPerSec * plan.perRequest,
    ingestRefused: result.refused,
    ...tally,
  };
}

const plan = JSON.parse(process.argv[2] ?? '') as FloodPlan;
flood(plan).then(
  (counts) => console.log(`flood ${JSON.stringify(counts)}`),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
