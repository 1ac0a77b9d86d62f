/** Command-line flags of `npm run bench`. */
export interface BenchOptions {
  /** Small sizes and short runs (≤ 2 minutes): proves the harness works, figures are rough. */
  quick: boolean;
  /** Print one JSON line of the figures instead of the table. */
  json: boolean;
  /** Leave BENCHMARKS.md alone (tests). */
  write: boolean;
}

const FLAGS = ['--quick', '--json', '--no-write'];

export function parseOptions(argv: readonly string[]): BenchOptions {
  const unknown = argv.filter((a) => !FLAGS.includes(a));
  if (unknown.length > 0)
    throw new Error(`unknown argument(s): ${unknown.join(' ')} (known: ${FLAGS.join(' ')})`);
  return {
    quick: argv.includes('--quick'),
    json: argv.includes('--json'),
    write: !argv.includes('--no-write'),
  };
}

/** Sizes and durations of one run. */
export interface BenchPlan {
  /** Seconds per HTTP load run (each of A,B,A,B…). */
  loadSeconds: number;
  /** Seconds of warm-up load before each server's first measured run. */
  warmupSeconds: number;
  /** A,B rounds for 1 identification/request; the median of each side is reported. */
  rounds1: number;
  /** A,B rounds for 100 identifications/request. */
  rounds100: number;
  /** HTTP connections of the load generator. */
  connections: number;
  /**
   * Identifications of the many-groups drain, and their groups (1 and 2 workers alike): several
   * identifications per group, so the worker both creates groups and updates existing ones.
   */
  drainItems: number;
  drainGroups: number;
  /**
   * A smaller drain on a fresh database (as many identifications per group as the main one), to
   * show how the store scales with collection size; a multiple of drainItems / drainGroups.
   */
  scalingItems: number | undefined;
  /** Identifications to the one hot group (pipeline and naive pipeline alike); a multiple of 100. */
  hotItems: number;
  /** Seconds of each constant-rate (paced) run on the embedded default. */
  lagSeconds: number;
  /**
   * The fractions of the embedded default's maximum whose lag is measured after half of it: the
   * first; then, while p99 ≤ 1 s, each of `up`; or, if the first missed, `down` until one is met.
   */
  capacityFractions: { first: number; up: number[]; down: number[] };
  /** Apply at scale: the small and the large number of groups stored (same load on both). */
  scaleStored: [number, number];
  /** …and how many of the stored groups that load goes to. */
  scaleLoadGroups: number;
  /** Groups stored on the embedded default, all of them loaded. */
  stackGroups: number;
  /** Seconds of each steady closed-loop load of the apply-at-scale runs. */
  steadySeconds: number;
  /** `where` on an indexed property: the small and the large number of groups. */
  whereGroups: [number, number];
  /** Timed repeats of each `where` query (after one warm-up). */
  whereRepeats: number;
  /** Noisy neighbour: the flooding project's stored groups, and seconds of each read run. */
  neighbourGroups: number;
  neighbourSeconds: number;
  /** Lookup: stored groups read at random, and seconds of each way of reading them. */
  lookupGroups: number;
  lookupSeconds: number;
  /** Import: lines of the file, one new group each. */
  importLines: number;
  /** Event time: groups of each run, and identifications each gets (one per round). */
  lateGroups: number;
  lateRounds: number;
  /**
   * Webhooks: identifications of the backlog (100 per request, each a change) that a new
   * destination and a client of the feed both take from the start; and how many times each.
   */
  webhookChanges: number;
  webhookRepeats: number;
}

export function planOf(options: BenchOptions): BenchPlan {
  if (options.quick)
    return {
      loadSeconds: 2,
      warmupSeconds: 1,
      rounds1: 1,
      rounds100: 1,
      connections: 32,
      drainItems: 800,
      drainGroups: 200,
      scalingItems: undefined,
      hotItems: 1000,
      lagSeconds: 2,
      capacityFractions: { first: 0.7, up: [], down: [] },
      scaleStored: [1000, 10_000],
      scaleLoadGroups: 1000,
      stackGroups: 2_000,
      steadySeconds: 2,
      whereGroups: [1_000, 10_000],
      whereRepeats: 3,
      neighbourGroups: 2_000,
      neighbourSeconds: 2,
      lookupGroups: 2_000,
      lookupSeconds: 1,
      importLines: 5_000,
      lateGroups: 1_000,
      lateRounds: 3,
      webhookChanges: 2_000,
      webhookRepeats: 1,
    };
  return {
    loadSeconds: 6,
    warmupSeconds: 2,
    rounds1: 4,
    rounds100: 2,
    connections: 32,
    drainItems: 4000,
    drainGroups: 1000,
    scalingItems: 1000,
    hotItems: 10_000,
    lagSeconds: 10,
    capacityFractions: { first: 0.7, up: [0.85, 1], down: [0.6] },
    scaleStored: [1000, 100_000],
    scaleLoadGroups: 1000,
    stackGroups: 10_000,
    steadySeconds: 10,
    whereGroups: [10_000, 100_000],
    whereRepeats: 7,
    neighbourGroups: 100_000,
    neighbourSeconds: 15,
    lookupGroups: 100_000,
    lookupSeconds: 10,
    importLines: 100_000,
    lateGroups: 5_000,
    lateRounds: 5,
    webhookChanges: 10_000,
    webhookRepeats: 3,
  };
}
