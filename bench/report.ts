import { cpus, totalmem } from 'node:os';
import type { Figures } from './figures.js';
import { median } from './http-load.js';
import type { IngestFigures } from './ingest-phase.js';
import type { BenchPlan } from './options.js';
import type { PipelineFigures } from './pipeline-phase.js';
import type { ScaleFigures, SteadyApply } from './scale-phase.js';
import type { WhereFigures } from './where-phase.js';

export interface RunFacts {
  command: string;
  quick: boolean;
  date: Date;
  wallSeconds: number;
  mongoKind: string;
}

const n = (x: number) => Math.round(x).toLocaleString('en-US');
const ms = (x: number) => `${x.toFixed(x < 10 ? 1 : 0)} ms`;
const mark = (ok: boolean) => (ok ? 'met' : 'NOT met');
/** The bare route's variants that answer once the body is in Redis (bench/bare-express.mjs). */
const ROUTE = {
  redis: 'Express + one Redis write',
  bullmq: 'Express + one BullMQ job',
} as const;

/** The results as a Markdown table (readable as plain text too). */
export function resultsTable(
  f: Figures,
  phases: {
    ingest: IngestFigures;
    pipe: PipelineFigures;
    scale: ScaleFigures;
    where: WhereFigures;
  },
  plan: BenchPlan,
): string {
  const { ingest, pipe, scale, where } = phases;
  const i1 = median(ingest.ingest1);
  const b1 = median(ingest.bare1);
  const i100 = median(ingest.ingest100);
  const b100 = median(ingest.bare100);
  const rows: string[][] = [
    ['figure', 'measured', 'baseline (same run)', 'result', 'target', ''],
    [
      'ingest, 1 identification/request',
      `${n(i1)} req/s (median of ${ingest.ingest1.length})`,
      `bare Express ${n(b1)} req/s`,
      `× ${f.ingest_1_ratio.toFixed(2)}`,
      '≥ 0.8 ×',
      mark(f.ingest_1_ratio >= 0.8),
    ],
    ...(['redis', 'bullmq'] as const).map((kind) => {
      const route = median(ingest.baselines[kind].reqPerSec1);
      return [
        `${ROUTE[kind]}, 1/request`,
        `${n(route)} req/s (none of ingest's code)`,
        `bare Express ${n(b1)} req/s; ingest × ${(i1 / route).toFixed(2)} of this`,
        `× ${f[`${kind}_route_1_ratio`].toFixed(2)}`,
        '—',
        '',
      ];
    }),
    [
      'ingest, 100 identifications/request',
      `${n(i100)} req/s = ${n(f.ingest_100_ids_per_s)} ids/s`,
      `bare Express ${n(b100)} req/s (× ${(i100 / b100).toFixed(2)})`,
      `${n(f.ingest_100_ids_per_s)} ids/s`,
      '≥ 100,000 ids/s',
      mark(f.ingest_100_ids_per_s >= 100_000),
    ],
    [
      'end-to-end apply, many groups',
      `${n(pipe.drain1.idsPerSec)} ids/s (${n(plan.drainItems)} over ${n(plan.drainGroups)} groups, 1 worker, ${pipe.drain1.batchMean.toFixed(0)}/batch)`,
      `L_store ${n(pipe.store.idsPerSec)} upserts/s (batches of ${pipe.store.batchSize}, ${pipe.store.streams} at a time, ${n(plan.drainGroups)} documents)`,
      `× ${f.apply_ratio.toFixed(2)}`,
      '≥ 0.5 ×',
      mark(f.apply_ratio >= 0.5),
    ],
    [
      'apply at scale',
      `${n(scale.large.appliedPerSec)} ids/s with ${n(scale.large.stored)} groups stored`,
      `${n(scale.small.appliedPerSec)} ids/s with ${n(scale.small.stored)} stored (same load, ${steadyShape(scale.small)})`,
      `× ${f.apply_scale_ratio.toFixed(2)}`,
      '≥ 0.8 ×',
      mark(f.apply_scale_ratio >= 0.8),
    ],
    [
      'apply vs ingest, embedded default',
      `applied ${n(scale.stack.appliedPerSec)} ids/s (${steadyShape(scale.stack)}, ${scale.stack.batchMean.toFixed(0)}/batch)`,
      `ingest accepted ${n(scale.stack.acceptedPerSec)} ids/s`,
      `× ${f.stack_apply_vs_ingest.toFixed(2)}`,
      '≥ 0.5 ×',
      mark(f.stack_apply_vs_ingest >= 0.5),
    ],
    [
      'end-to-end apply, one hot group',
      `${n(pipe.hot.idsPerSec)} ids/s (${n(plan.hotItems)} ids, ${pipe.hot.seconds.toFixed(2)} s)`,
      `naive pipeline ${n(pipe.naive.idsPerSec)} ids/s (${pipe.naive.seconds.toFixed(2)} s)`,
      `× ${f.hot_group_ratio.toFixed(1)}`,
      '≥ 10 ×',
      mark(f.hot_group_ratio >= 10),
    ],
    [
      'ingest latency at half of max',
      `p50 ${ms(ingest.p50Ms)} at ${n(ingest.halfRate)} req/s`,
      `bare Express at that rate: p50 ${ms(ingest.bareP50Ms)}, p99 ${ms(ingest.bareP99Ms)}`,
      `p99 ${ms(f.ingest_p99_ms)} (× ${f.ingest_p99_ratio.toFixed(2)})`,
      '≤ 1.25 × bare p99',
      mark(f.ingest_p99_ratio <= 1.25),
    ],
    ...(['redis', 'bullmq'] as const).map((kind) => {
      const route = ingest.baselines[kind];
      return [
        `${ROUTE[kind]}, latency at half of max`,
        `p50 ${ms(route.p50Ms)} at ${n(ingest.halfRate)} req/s`,
        `bare Express p99 ${ms(ingest.bareP99Ms)}; ingest × ${(ingest.p99Ms / route.p99Ms).toFixed(2)} of this`,
        `p99 ${ms(route.p99Ms)} (× ${f[`${kind}_route_p99_ratio`].toFixed(2)})`,
        '—',
        '',
      ];
    }),
    [
      'accepted → readable at half of max',
      `p50 ${ms(pipe.lag.p50Ms)} at ${n(pipe.lag.rate)} ids/s (${(pipe.lag.within1s * 100).toFixed(1)}% ≤ 1 s)`,
      `max under steady load ${pipe.lag.keptUp ? '≥ ' : ''}${n(pipe.lag.sustainedPerSec)} ids/s (offered ${n(pipe.lag.offeredPerSec)})`,
      `p99 ${ms(f.lag_p99_ms)}`,
      '≤ 1 s',
      mark(f.lag_p99_ms <= 1000),
    ],
    [
      'accepted → readable at a quarter of max',
      `p50 ${ms(pipe.lag.quarter.p50Ms)} at ${n(pipe.lag.quarter.rate)} ids/s`,
      '',
      `p99 ${ms(pipe.lag.quarter.p99Ms)}`,
      '—',
      '',
    ],
    [
      'ingest memory under load',
      `peak RSS ${f.ingest_rss_mb} MB`,
      `bare Express ${n(ingest.bareRssMb)} MB (${ROUTE.redis}: ${n(ingest.baselines.redis.rssMb)} MB, ${ROUTE.bullmq}: ${n(ingest.baselines.bullmq.rssMb)} MB)`,
      `+${f.ingest_rss_over_bare_mb} MB`,
      '≤ bare + 50 MB',
      mark(f.ingest_rss_over_bare_mb <= 50),
    ],
    [
      'worker memory under load',
      `peak RSS ${f.worker_rss_mb} MB (highest of all worker processes)`,
      '',
      `${f.worker_rss_mb} MB`,
      '≤ 250 MB',
      mark(f.worker_rss_mb <= 250),
    ],
    [
      '2 vs 1 worker processes',
      `${n(pipe.drain2.idsPerSec)} ids/s`,
      `1 worker ${n(pipe.drain1.idsPerSec)} ids/s`,
      `× ${f.workers_2_vs_1.toFixed(2)}`,
      '—',
      '',
    ],
  ];
  rows.push(
    [
      'change feed: delivered vs applied, at half of max',
      `accepted → delivered to a long poll: p99 ${ms(pipe.lag.feed.acceptedToDeliveredP99Ms)} (${n(pipe.lag.feed.changes)} changes; from applied_at: p99 ${ms(pipe.lag.feed.appliedToDeliveredP99Ms)})`,
      `accepted → applied (worker): p99 ${ms(f.lag_p99_ms)}`,
      `+${ms(f.feed_lag_p99_ms)}`,
      '≤ 100 ms beyond the apply lag',
      mark(f.feed_lag_p99_ms <= 100),
    ],
    [
      'change feed: delivered vs committed, per change, at half of max',
      `notice of the commit → delivered: p50 ${ms(pipe.lag.feed.announcedToDeliveredP50Ms)}, p99 ${ms(f.feed_delay_p99_ms)}`,
      'the same change’s notice',
      `+${ms(f.feed_delay_p99_ms)}`,
      '(the same target, change by change)',
      mark(f.feed_delay_p99_ms <= 100),
    ],
    [
      'PostHog /batch/, 100 $groupidentify events/request',
      `${n(ingest.posthog.posthogIdsPerSec)} ids/s (median of ${ingest.posthog.posthogSamples.length})`,
      `/groupidentify, same 100: ${n(ingest.posthog.groupIdentifyIdsPerSec)} ids/s`,
      `× ${f.posthog_vs_groupidentify.toFixed(2)}`,
      '—',
      '',
    ],
    [
      `where on an indexed property, ${n(where.large.groups)} groups`,
      `count ${ms(where.large.countEqMs)}; first page of a range ${ms(where.large.listRangeMs)}`,
      `${n(where.small.groups)} groups: count ${ms(where.small.countEqMs)}, page ${ms(where.small.listRangeMs)}; count of all ${n(where.large.groups)}: ${ms(where.large.countAllMs)}`,
      `× ${f.where_scale_ratio.toFixed(2)}`,
      '≈ 1 × with an index; × size ratio when scanning',
      '',
    ],
  );
  if (pipe.scaling !== undefined)
    rows.push([
      'drain rate vs backlog size',
      `${n(pipe.scaling.items)} ids: ${n(pipe.scaling.idsPerSec)} ids/s`,
      `${n(plan.drainItems)} ids: ${n(pipe.drain1.idsPerSec)} ids/s`,
      `× ${(pipe.drain1.idsPerSec / pipe.scaling.idsPerSec).toFixed(2)}`,
      '—',
      '',
    ]);
  return markdownTable(rows);
}

function steadyShape(r: SteadyApply): string {
  return `10 ids/request over ${n(r.loadGroups)} groups`;
}

/** Where one worker's time went per batch in the steady-apply runs. */
export function stepSplitTable(scale: ScaleFigures): string {
  const runs: [string, SteadyApply][] = [
    [`${n(scale.small.stored)} stored`, scale.small],
    [`${n(scale.large.stored)} stored`, scale.large],
    ['embedded default shape', scale.stack],
  ];
  const steps = [
    'feed',
    'claims',
    'read',
    'erase',
    'history',
    'write',
    'dead_letters',
    'other',
  ] as const;
  const rows = [
    ['worker time per batch (ms)', 'ids/batch', ...steps],
    ...runs.map(([name, r]) => [
      name,
      r.batchMean.toFixed(0),
      ...steps.map((s) => r.split.msPerBatch[s].toFixed(1)),
    ]),
  ];
  return markdownTable(rows);
}

function markdownTable(rows: readonly string[][]): string {
  const widths = (rows[0] ?? []).map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  const line = (r: readonly string[]) =>
    `| ${widths.map((w, c) => (r[c] ?? '').padEnd(w)).join(' | ')} |`;
  const [head = [], ...body] = rows;
  return [
    line(head),
    `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`,
    ...body.map(line),
  ].join('\n');
}

/** The machine and the run, for BENCHMARKS.md. */
export function machineFacts(facts: RunFacts): string {
  const cpu = cpus();
  return [
    `- command: \`${facts.command}\`${facts.quick ? ' (quick: small sizes, rough figures)' : ''}`,
    `- date: ${facts.date.toISOString()}, wall time ${facts.wallSeconds.toFixed(0)} s`,
    `- CPU: ${cpu[0]?.model ?? 'unknown'}, ${cpu.length} cores; memory ${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    `- Node ${process.version} (${process.platform} ${process.arch}); store: ${facts.mongoKind}, Redis: redis-server (AOF everysec)`,
    '- everything (load generator, ingest, workers, Redis, store) shares this machine',
  ].join('\n');
}
