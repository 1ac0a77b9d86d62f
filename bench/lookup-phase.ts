import { withDatabase } from '@groupidentify/local-services';
import type { Cleanup } from './cleanup.js';
import { step } from './log.js';
import type { BenchPlan } from './options.js';
import { preloadGroups } from './preload.js';
import { startStackApps } from './stack-apps.js';

/** Groups read per second, one `GET` each or 1,000 per `POST /api/groups/lookup`. */
export interface LookupFigures {
  groups: number;
  concurrency: number;
  singleKeysPerSec: number;
  batchKeysPerSec: number;
}

const TYPE = 'org';
const BATCH = 1000;
/** Requests in flight at once, for both ways. */
const CONCURRENCY = 8;

/**
 * Point-in-time lookup (docs/api.md#looking-up-many-groups) on the apps `npm run stack` starts:
 * `plan.lookupGroups` stored groups read at random, one `GET /api/groups/…` per group, then 1,000
 * per `POST /api/groups/lookup`, each way with 8 requests in flight for `plan.lookupSeconds`.
 */
export async function measureLookup(
  cleanup: Cleanup,
  setup: { redisUrl: string; serverUrl: string },
  plan: BenchPlan,
): Promise<LookupFigures> {
  const mongoUrl = withDatabase(setup.serverUrl, 'lookup');
  const groups = plan.lookupGroups;
  step(`lookup: preloading ${groups.toLocaleString('en-US')} groups`);
  const keys = await preloadGroups(mongoUrl, TYPE, groups, (i) => ({ plan: 'pro', n: i }));
  const stack = await startStackApps(cleanup, {
    redisUrl: setup.redisUrl,
    mongoUrl,
    queuePrefix: 'lookup',
  });
  const auth = `Basic ${Buffer.from(`${keys.apiKey}:${keys.secretKey}`).toString('base64')}`;
  const some = () => `g${Math.floor(Math.random() * groups)}`;
  try {
    const single = async () => {
      const res = await fetch(`${stack.url}/api/groups/${TYPE}/${some()}`, {
        headers: { authorization: auth },
      });
      await expectOk(res, 'GET');
      return 1;
    };
    const batch = async () => {
      const body = JSON.stringify({
        groups: Array.from({ length: BATCH }, () => ({ group_type: TYPE, group_value: some() })),
      });
      const res = await fetch(`${stack.url}/api/groups/lookup`, {
        method: 'POST',
        headers: { authorization: auth, 'content-type': 'application/json' },
        body,
      });
      await expectOk(res, 'lookup');
      return BATCH;
    };
    await keysPerSec(single, 1); // warm-up
    step(`lookup: single GETs, ${CONCURRENCY} at once, ${plan.lookupSeconds} s`);
    const singleKeysPerSec = await keysPerSec(single, plan.lookupSeconds);
    step(`lookup: batches of ${BATCH}, ${CONCURRENCY} at once, ${plan.lookupSeconds} s`);
    const batchKeysPerSec = await keysPerSec(batch, plan.lookupSeconds);
    step(
      `  ${Math.round(singleKeysPerSec)} groups/s one GET each; ${Math.round(batchKeysPerSec)} ` +
        `groups/s in batches of ${BATCH} (× ${(batchKeysPerSec / singleKeysPerSec).toFixed(1)})`,
    );
    return { groups, concurrency: CONCURRENCY, singleKeysPerSec, batchKeysPerSec };
  } finally {
    await stack.stop();
  }
}

async function expectOk(res: Response, what: string): Promise<void> {
  const text = await res.text();
  if (res.status !== 200) throw new Error(`lookup phase: ${what} got ${res.status}: ${text}`);
}

/** Runs `request` from CONCURRENCY loops for `seconds`; groups read per second. */
async function keysPerSec(request: () => Promise<number>, seconds: number): Promise<number> {
  const started = performance.now();
  const end = started + seconds * 1000;
  let read = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      // Not `read += await request()`: that reads `read` before the await, losing the others' counts.
      while (performance.now() < end) {
        const got = await request();
        read += got;
      }
    }),
  );
  return read / ((performance.now() - started) / 1000);
}
