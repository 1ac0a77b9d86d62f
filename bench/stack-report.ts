import type { Figures } from './figures.js';
import type { StackFigures } from './stack-phase.js';

const n = (x: number) => Math.round(x).toLocaleString('en-US');
const ms = (x: number) => `${x.toFixed(x < 10 ? 1 : 0)} ms`;
const mark = (ok: boolean) => (ok ? 'met' : 'NOT met');

/** The rows of the results table that measure the embedded default (bench/stack-phase.ts). */
export function stackRows(f: Figures, stack: StackFigures): string[][] {
  const [s10, s100] = stack.shapes;
  if (s10 === undefined || s100 === undefined) throw new Error('internal: a shape is missing');
  const steady = stack.steady;
  const max = (s: StackFigures['shapes'][number]) =>
    `${s.maxKeptUp ? '≥ ' : ''}${n(s.maxPerSec)} ids/s`;
  const capacity = (s: StackFigures['shapes'][number]) => {
    const tried = s.probes
      .map((p) => `${(p.rate / s.maxPerSec).toFixed(2)}: p99 ${ms(p.p99Ms)}`)
      .join('; ');
    return [
      `capacity at 1 s, ${s.perRequest} ids/request`,
      `highest fraction of max with p99 ≤ 1 s: ${s.capacityFraction.toFixed(2)} (${tried})`,
      `max under a paced load ${max(s)}`,
      `× ${s.capacityFraction.toFixed(2)}`,
      '≥ 0.7 ×',
      mark(s.capacityFraction >= 0.7),
    ];
  };
  const half = (s: StackFigures['shapes'][number], p99: number) => [
    `accepted → readable at half of max, ${s.perRequest} ids/request`,
    `p50 ${ms(s.half.p50Ms)} at ${n(s.half.rate)} ids/s (${(s.half.within1s * 100).toFixed(1)}% ≤ 1 s; ${s.half.batchMean.toFixed(0)}/batch)`,
    `max under a paced load ${max(s)}`,
    `p99 ${ms(p99)}`,
    '≤ 1 s',
    mark(p99 <= 1000),
  ];
  return [
    [
      'apply vs ingest, embedded default',
      `applied ${n(steady.appliedPerSec)} ids/s (10 ids/request over ${n(stack.groups)} groups, closed loop, ${steady.batchMean.toFixed(0)}/batch)`,
      `ingest accepted ${n(steady.acceptedPerSec)} ids/s`,
      `× ${f.stack_apply_vs_ingest.toFixed(2)}`,
      '≥ 0.8 ×',
      mark(f.stack_apply_vs_ingest >= 0.8),
    ],
    half(s100, f.lag_p99_ms),
    half(s10, f.lag_p99_ms_10),
    capacity(s100),
    capacity(s10),
    [
      'change feed: delivered vs applied, at half of max',
      `accepted → delivered to a long poll: p99 ${ms(stack.feed.acceptedToDeliveredP99Ms)} (${n(stack.feed.changes)} changes; from applied_at: p99 ${ms(stack.feed.appliedToDeliveredP99Ms)})`,
      `accepted → applied (worker): p99 ${ms(f.lag_p99_ms)}`,
      `+${ms(f.feed_lag_p99_ms)}`,
      '≤ 100 ms beyond the apply lag',
      mark(f.feed_lag_p99_ms <= 100),
    ],
    [
      'change feed: delivered vs committed, per change, at half of max',
      `notice of the commit → delivered: p50 ${ms(stack.feed.announcedToDeliveredP50Ms)}, p99 ${ms(f.feed_delay_p99_ms)}`,
      'the same change’s notice',
      `+${ms(f.feed_delay_p99_ms)}`,
      '(the same target, change by change)',
      mark(f.feed_delay_p99_ms <= 100),
    ],
  ];
}
