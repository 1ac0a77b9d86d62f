import { cpus, totalmem } from 'node:os';
import type { Figures, Phases } from './figures.js';
import { median } from './http-load.js';
import type { NeighbourFigures } from './neighbour-phase.js';
import type { BenchPlan } from './options.js';
import type { ScaleFigures, SteadyApply } from './scale-phase.js';
import type { LagRun } from './paced-lag.js';
import type { StackFigures } from './stack-phase.js';
import { stackRows } from './stack-report.js';
import { webhookRates, type WebhookFigures } from './webhook-phase.js';
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
export function resultsTable(f: Figures, phases: Phases, plan: BenchPlan): string {
  const { ingest, pipe, scale, stack, where, neighbours, lookup, imported, late, webhooks } =
    phases;
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
      '≥ 0.8 × (the aim)',
      mark(f.ingest_1_ratio >= 0.8),
    ],
    [
      'ingest vs Express + one BullMQ job, 1/request',
      `${n(i1)} req/s`,
      `${ROUTE.bullmq} ${n(median(ingest.baselines.bullmq.reqPerSec1))} req/s`,
      `× ${f.ingest_1_vs_bullmq_ratio.toFixed(2)}`,
      '≥ 1.0 ×',
      mark(f.ingest_1_vs_bullmq_ratio >= 1),
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
      '—',
      '',
    ],
    [
      'ingest p99 vs Express + one BullMQ job, at half of max',
      `p99 ${ms(f.ingest_p99_ms)} at ${n(ingest.halfRate)} req/s`,
      `${ROUTE.bullmq} at that rate: p99 ${ms(ingest.baselines.bullmq.p99Ms)}`,
      `× ${f.ingest_p99_vs_bullmq_ratio.toFixed(2)}`,
      '≤ 1.25 ×',
      mark(f.ingest_p99_vs_bullmq_ratio <= 1.25),
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
    ...stackRows(f, stack),
    [
      'PostHog /batch/, 100 $groupidentify events/request',
      `${n(ingest.posthog.posthogIdsPerSec)} ids/s (median of ${ingest.posthog.posthogSamples.length})`,
      `/groupidentify, same 100: ${n(ingest.posthog.groupIdentifyIdsPerSec)} ids/s`,
      `× ${f.posthog_vs_groupidentify.toFixed(2)}`,
      '—',
      '',
    ],
    ...whereRows(f, where),
    [
      `lookup, batches of 1,000 (${n(lookup.groups)} groups, ${lookup.concurrency} requests at once)`,
      `${n(lookup.batchKeysPerSec)} groups/s`,
      `one GET per group: ${n(lookup.singleKeysPerSec)} groups/s`,
      `× ${f.lookup_batch_ratio.toFixed(1)}`,
      '≥ 20 ×',
      mark(f.lookup_batch_ratio >= 20),
    ],
    [
      `import, ${n(imported.lines)} new groups (embedded default, until applied)`,
      `${n(imported.linesPerSec)} lines/s (${imported.seconds.toFixed(1)} s)`,
      `store bulk upserts of as many new documents: ${n(imported.storeIdsPerSec)}/s (batches of 1,000, ${imported.storeStreams} at a time)`,
      `× ${f.import_ratio.toFixed(2)}`,
      '≥ 0.5 ×',
      mark(f.import_ratio >= 0.5),
    ],
    [
      `event time, 10 % up to 1 h late (${n(late.identifications)} ids, embedded default)`,
      `${n(late.lateIdsPerSec)} ids/s applied`,
      `same, in order: ${n(late.inOrderIdsPerSec)} ids/s`,
      `× ${f.late_apply_ratio.toFixed(2)}`,
      '≥ 0.5 ×',
      mark(f.late_apply_ratio >= 0.5),
    ],
    neighbourRow(f, neighbours),
    ...webhookRows(f, webhooks),
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

function whereRows(f: Figures, where: WhereFigures): string[][] {
  const { small, large } = where;
  const row = (what: string, l: number, s: number, ratio: number) => [
    `${what}, ${n(large.groups)} groups`,
    ms(l),
    `${n(small.groups)} groups: ${ms(s)}`,
    `× ${ratio.toFixed(2)}`,
    '≤ 2 ×',
    mark(ratio <= 2),
  ];
  return [
    row(
      'count, where on an indexed property',
      large.countEqMs,
      small.countEqMs,
      f.where_scale_ratio,
    ),
    row(
      'first page of a range on an indexed property',
      large.listRangeMs,
      small.listRangeMs,
      f.where_page_scale_ratio,
    ),
    row(
      'count of all groups of a type',
      large.countAllMs,
      small.countAllMs,
      f.count_all_scale_ratio,
    ),
  ];
}

/** Webhook delivery on the embedded default (bench/webhook-phase.ts). */
function webhookRows(f: Figures, w: WebhookFigures): string[][] {
  const rates = webhookRates(w);
  const first = w.deliveries.map((d) => d.firstAfterSeconds.toFixed(1)).join(', ');
  const attempt = median(w.deliveries.map((d) => d.attemptMedianMs));
  const { lag } = w;
  return [
    [
      `webhooks: delivery vs the feed's read rate, ${n(w.changes)} applied changes (embedded default)`,
      `${n(rates.delivered)} changes/s to a local receiver, from the destination's creation ` +
        `(median of ${w.deliveries.length}; first arrival after ${first} s; an attempt ` +
        `${ms(attempt)})`,
      `a client paging /api/changes from the same start: ${n(rates.read)} changes/s`,
      `× ${f.webhook_vs_feed_ratio.toFixed(3)}`,
      '—',
      '',
    ],
    [
      'webhooks: applied → delivered at half of max, 100 ids/request',
      `p50 ${ms(lag.appliedToArrivedP50Ms)} at ${n(lag.run.rate)} ids/s (${n(lag.delivered)} ` +
        `changes, delivered ${n(lag.deliveredPerSec)}/s from the load's start to the last)`,
      `accepted → applied (worker, same run): p99 ${ms(lag.run.p99Ms)}`,
      `p99 ${ms(f.webhook_lag_p99_ms)}`,
      '—',
      '',
    ],
  ];
}

/** B's reads may be at most this much slower than 2 × alone under A's load. */
const NEIGHBOUR_SLACK_MS = 10;

function neighbourRow(f: Figures, nb: NeighbourFigures): string[] {
  const a = nb.flood;
  return [
    `project B's single-group reads while project A floods (${n(nb.groupsA)} groups)`,
    `p99 ${ms(nb.loaded.p99Ms)}, p50 ${ms(nb.loaded.p50Ms)} (A: ${n(a.acceptedPerSec)} ids/s ` +
      `accepted, ${n(a.ingestRefused)} × 429; ${a.counts} unindexed counts, ${a.countsStopped} ` +
      `stopped; ${n(a.polls)} long-poll pages, ${n(a.pollsRefused)} polls refused)`,
    `B alone: p99 ${ms(nb.unloaded.p99Ms)}, p50 ${ms(nb.unloaded.p50Ms)}`,
    `× ${f.neighbour_read_p99_ratio.toFixed(2)}`,
    `≤ 2 × + ${NEIGHBOUR_SLACK_MS} ms`,
    mark(nb.loaded.p99Ms <= 2 * nb.unloaded.p99Ms + NEIGHBOUR_SLACK_MS),
  ];
}

function steadyShape(r: SteadyApply): string {
  return `10 ids/request over ${n(r.loadGroups)} groups`;
}

/** Where one worker's time went per batch in the steady-apply runs and the embedded default's. */
export function stepSplitTable(scale: ScaleFigures, stack: StackFigures): string {
  const runs: [string, { batchMean: number; split: SteadyApply['split'] }][] = [
    [`${n(scale.small.stored)} stored`, scale.small],
    [`${n(scale.large.stored)} stored`, scale.large],
    ['embedded default, closed loop', stack.steady],
    ...stack.shapes.map((s): [string, LagRun] => [
      `embedded default, ${s.perRequest}/request at half of max`,
      s.half,
    ]),
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
