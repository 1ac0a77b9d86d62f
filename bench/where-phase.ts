import { withDatabase } from '@groupidentify/local-services';
import { startIngestChild } from './apps.js';
import type { Cleanup } from './cleanup.js';
import { median } from './http-load.js';
import { step } from './log.js';
import type { BenchPlan } from './options.js';
import { preloadGroups } from './preload.js';

/** Latencies of `where` queries over one project's groups of one type, all of them indexed. */
export interface WhereRun {
  groups: number;
  /** Median ms of `GET /api/groups/count?where={"tier":7}` (1 % of the groups match). */
  countEqMs: number;
  /** Median ms of the first page (100) of `GET /api/groups?where={"tier":{"$gte":50}}` (half). */
  listRangeMs: number;
  /** Median ms of `GET /api/groups/count` without a where: the type's groups, no condition. */
  countAllMs: number;
}

export interface WhereFigures {
  small: WhereRun;
  large: WhereRun;
}

const TYPE = 'where';

/**
 * `where` on an indexed property (docs/api.md#finding-groups-by-property) at `plan.whereGroups`
 * (10,000 and 100,000 groups): the ratio of the two says whether the server scans (× 10) or
 * serves the condition from the index (about × 1). Each size gets a fresh database, preloaded
 * directly, with `tier = i % 100` indexed through the store, and an ingest child for the HTTP
 * API; each query runs `plan.whereRepeats` times after one warm-up, and the median is reported.
 */
export async function measureWhere(
  cleanup: Cleanup,
  setup: { redisUrl: string; serverUrl: string },
  plan: BenchPlan,
): Promise<WhereFigures> {
  const [small, large] = plan.whereGroups;
  return {
    small: await whereRun(cleanup, setup, small, plan.whereRepeats),
    large: await whereRun(cleanup, setup, large, plan.whereRepeats),
  };
}

async function whereRun(
  cleanup: Cleanup,
  setup: { redisUrl: string; serverUrl: string },
  groups: number,
  repeats: number,
): Promise<WhereRun> {
  const name = `where_${groups}`;
  const mongoUrl = withDatabase(setup.serverUrl, name);
  const label = `where, ${groups.toLocaleString('en-US')} groups`;
  step(`${label}: preloading them and indexing their tier`);
  const keys = await preloadGroups(
    mongoUrl,
    TYPE,
    groups,
    (i) => ({ tier: i % 100, plan: i % 2 === 0 ? 'pro' : 'free' }),
    (store, project) => store.propertyIndexes.create(project, TYPE, 'tier'),
  );
  const auth = `Basic ${Buffer.from(`${keys.apiKey}:${keys.secretKey}`).toString('base64')}`;
  const ingest = await startIngestChild(cleanup, {
    redisUrl: setup.redisUrl,
    mongoUrl,
    queuePrefix: name,
  });
  try {
    const timed = async (path: string, expected: number | undefined): Promise<number> => {
      const samples: number[] = [];
      for (let i = 0; i <= repeats; i++) {
        const started = performance.now();
        const res = await fetch(`${ingest.url}${path}`, { headers: { authorization: auth } });
        const body = (await res.json()) as { count?: number; items?: unknown[] };
        const ms = performance.now() - started;
        if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`);
        const got = body.count ?? body.items?.length;
        if (expected !== undefined && got !== expected)
          throw new Error(`${path}: ${String(got)} groups, expected ${expected}`);
        if (i > 0) samples.push(ms); // the first one warms the caches
      }
      return median(samples);
    };
    const q = (where: unknown) => encodeURIComponent(JSON.stringify(where));
    const run: WhereRun = {
      groups,
      countEqMs: await timed(
        `/api/groups/count?group_type=${TYPE}&where=${q({ tier: 7 })}`,
        groups / 100,
      ),
      listRangeMs: await timed(
        `/api/groups?group_type=${TYPE}&limit=100&where=${q({ tier: { $gte: 50 } })}`,
        100,
      ),
      countAllMs: await timed(`/api/groups/count?group_type=${TYPE}`, groups),
    };
    step(
      `  count where tier = 7: ${run.countEqMs.toFixed(1)} ms; first page where tier ≥ 50: ` +
        `${run.listRangeMs.toFixed(1)} ms; count of all: ${run.countAllMs.toFixed(1)} ms (medians of ${repeats})`,
    );
    return run;
  } finally {
    await ingest.stop();
  }
}
