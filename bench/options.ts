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
   * Identifications of the many-groups drain, and their groups (1 and 2 workers alike): one
   * identification per group, so every write is the worker's `insertOne` of a new group. Kept
   * small, and no second identification to a group: FerretDB's SQLite backend slows down as a
   * collection grows, and under the worker's guarded `{_id, version}` updates of existing groups
   * in a collection of a few hundred documents it stops answering that database (BENCHMARKS.md).
   */
  drainItems: number;
  drainGroups: number;
  /** A smaller drain on a fresh database, to show how the store scales with collection size. */
  scalingItems: number | undefined;
  /** Identifications to the one hot group (pipeline and naive pipeline alike); a multiple of 100. */
  hotItems: number;
  /** Seconds of constant-rate load for the accepted→readable lag. */
  lagSeconds: number;
}

export function planOf(options: BenchOptions): BenchPlan {
  if (options.quick)
    return {
      loadSeconds: 2,
      warmupSeconds: 1,
      rounds1: 2,
      rounds100: 1,
      connections: 32,
      drainItems: 400,
      drainGroups: 400,
      scalingItems: undefined,
      hotItems: 1000,
      lagSeconds: 3,
    };
  return {
    loadSeconds: 6,
    warmupSeconds: 2,
    rounds1: 4,
    rounds100: 2,
    connections: 32,
    drainItems: 1000,
    drainGroups: 1000,
    scalingItems: 300,
    hotItems: 10_000,
    lagSeconds: 15,
  };
}
