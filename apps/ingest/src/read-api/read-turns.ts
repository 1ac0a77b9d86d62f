/**
 * How many store reads of one project run at once in this process; the others wait their turn,
 * first come first served, in memory (docs/guarantees.md#store-reads-per-project). A project
 * that sends a hundred reads at once (its long polls woken by one commit, a dashboard gone wild)
 * then holds `perProject` of the store's connections and CPU, not a hundred, and another
 * project's read waits behind those few at most.
 */
export class ReadTurns {
  private readonly running = new Map<string, { now: number; waiting: (() => void)[] }>();

  constructor(private readonly perProject: number) {}

  /** Runs `read` in one of `project`'s turns, once one is free. */
  async run<T>(project: string, read: () => Promise<T>): Promise<T> {
    const done = await this.take(project);
    try {
      return await read();
    } finally {
      done();
    }
  }

  /** Waits for one of `project`'s turns; the returned function ends it (once, however often). */
  async take(project: string): Promise<() => void> {
    let mine = this.running.get(project);
    if (mine === undefined) this.running.set(project, (mine = { now: 0, waiting: [] }));
    if (mine.now < this.perProject) mine.now++;
    else {
      const queue = mine.waiting;
      // A turn that ends hands itself to the first waiting read: `now` stays as it is.
      await new Promise<void>((resolve) => queue.push(resolve));
    }
    const turns = mine;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      const next = turns.waiting.shift();
      if (next !== undefined) next();
      else if (--turns.now === 0) this.running.delete(project);
    };
  }

  /** Reads of `project` waiting for a turn (for tests and metrics). */
  waiting(project: string): number {
    return this.running.get(project)?.waiting.length ?? 0;
  }
}
