/** What the bench reads from a worker's `/metrics` (docs/operations.md metric names). */
export interface WorkerSnapshot {
  applied: number;
  deadLetters: number;
  batchSizeSum: number;
  batchSizeCount: number;
  /** `gi_worker_apply_duration_seconds` sum (s): time spent applying jobs. */
  applySecondsSum: number;
  /** Cumulative `gi_worker_lag_seconds` buckets: upper bound (s) → count; +Inf last. */
  lagBuckets: [number, number][];
  /** `gi_worker_step_seconds` sums (s) by step. */
  stepSums: Map<string, number>;
}

const LINE = /^([a-z_]+)(?:\{([^}]*)\})? (\S+)$/;

export async function scrapeWorker(metricsUrl: string): Promise<WorkerSnapshot> {
  const res = await fetch(metricsUrl);
  if (!res.ok) throw new Error(`GET ${metricsUrl} answered ${res.status}`);
  const snapshot: WorkerSnapshot = {
    applied: 0,
    deadLetters: 0,
    batchSizeSum: 0,
    batchSizeCount: 0,
    applySecondsSum: 0,
    lagBuckets: [],
    stepSums: new Map(),
  };
  for (const line of (await res.text()).split('\n')) {
    const match = LINE.exec(line);
    if (match === null) continue;
    const [, name, labels = '', text] = match;
    const value = Number(text);
    if (name === 'gi_worker_identifications_applied_total') snapshot.applied = value;
    else if (name === 'gi_worker_dead_letters_total') snapshot.deadLetters = value;
    else if (name === 'gi_worker_batch_size_sum') snapshot.batchSizeSum = value;
    else if (name === 'gi_worker_batch_size_count') snapshot.batchSizeCount = value;
    else if (name === 'gi_worker_apply_duration_seconds_sum') snapshot.applySecondsSum = value;
    else if (name === 'gi_worker_step_seconds_sum') {
      const stepName = /step="([^"]+)"/.exec(labels)?.[1] ?? '?';
      snapshot.stepSums.set(stepName, value);
    } else if (name === 'gi_worker_lag_seconds_bucket') {
      const le = /le="([^"]+)"/.exec(labels)?.[1] ?? '+Inf';
      snapshot.lagBuckets.push([le === '+Inf' ? Infinity : Number(le), value]);
    }
  }
  return snapshot;
}

/** Sums of several workers' snapshots (buckets added by bound). */
export function sumSnapshots(snapshots: readonly WorkerSnapshot[]): WorkerSnapshot {
  const buckets = new Map<number, number>();
  const steps = new Map<string, number>();
  for (const s of snapshots) {
    for (const [le, n] of s.lagBuckets) buckets.set(le, (buckets.get(le) ?? 0) + n);
    for (const [name, sum] of s.stepSums) steps.set(name, (steps.get(name) ?? 0) + sum);
  }
  const total = (f: (s: WorkerSnapshot) => number) => snapshots.reduce((n, s) => n + f(s), 0);
  return {
    applied: total((s) => s.applied),
    deadLetters: total((s) => s.deadLetters),
    batchSizeSum: total((s) => s.batchSizeSum),
    batchSizeCount: total((s) => s.batchSizeCount),
    applySecondsSum: total((s) => s.applySecondsSum),
    lagBuckets: [...buckets].sort((a, b) => a[0] - b[0]),
    stepSums: steps,
  };
}

/** Mean ms per batch of each store step, and of the rest of applying it (fold, Redis). */
export interface StepSplit {
  batches: number;
  msPerBatch: Record<
    'feed' | 'claims' | 'read' | 'erase' | 'history' | 'write' | 'dead_letters' | 'other',
    number
  >;
}

export function stepSplit(before: WorkerSnapshot, after: WorkerSnapshot): StepSplit {
  const batches = after.batchSizeCount - before.batchSizeCount;
  const per = (seconds: number) => (batches > 0 ? (seconds * 1000) / batches : 0);
  const step = (name: string) =>
    per((after.stepSums.get(name) ?? 0) - (before.stepSums.get(name) ?? 0));
  const msPerBatch = {
    feed: step('feed'),
    claims: step('claims'),
    read: step('read'),
    erase: step('erase'),
    history: step('history'),
    write: step('write'),
    dead_letters: step('dead_letters'),
    other: 0,
  };
  const total = per(after.applySecondsSum - before.applySecondsSum);
  msPerBatch.other = Math.max(0, total - Object.values(msPerBatch).reduce((a, b) => a + b, 0));
  return { batches, msPerBatch };
}

/**
 * The q-quantile (0..1) of the lag observed between two snapshots, in ms, interpolated linearly
 * inside its bucket (Prometheus' `histogram_quantile`). Beyond the last finite bound it answers
 * that bound. Undefined when nothing was observed.
 */
export function lagQuantileMs(
  before: WorkerSnapshot,
  after: WorkerSnapshot,
  q: number,
): number | undefined {
  const start = new Map(before.lagBuckets);
  const delta = after.lagBuckets.map(([le, n]): [number, number] => [le, n - (start.get(le) ?? 0)]);
  const total = delta.at(-1)?.[1] ?? 0;
  if (total <= 0) return undefined;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const [le, cumulative] of delta) {
    if (cumulative >= rank) {
      if (le === Infinity) return lower * 1000;
      const inBucket = cumulative - below;
      return (lower + ((le - lower) * (rank - below)) / (inBucket || 1)) * 1000;
    }
    lower = le;
    below = cumulative;
  }
  return lower * 1000;
}

/** Share (0..1) of the lag observations between two snapshots at or under `seconds` (a bound). */
export function lagShareWithin(
  before: WorkerSnapshot,
  after: WorkerSnapshot,
  seconds: number,
): number {
  const at = (s: WorkerSnapshot, le: number) => s.lagBuckets.find(([b]) => b === le)?.[1] ?? 0;
  const total = at(after, Infinity) - at(before, Infinity);
  return total > 0 ? (at(after, seconds) - at(before, seconds)) / total : NaN;
}
