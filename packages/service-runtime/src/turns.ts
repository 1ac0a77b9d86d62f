/**
 * How many tasks of one key run at once in this process; the others wait their turn, first come
 * first served, in memory. Ingest keys its store reads by project
 * (docs/guarantees.md#store-reads-per-project): a project that sends a hundred reads at once
 * (its long polls woken by one commit, a dashboard gone wild) then holds `perKey` of the store's
 * connections and CPU, not a hundred, and another project's read waits behind those few at
 * most. A worker takes a turn for each batch it applies (docs/operations.md, `APPLY_AT_ONCE`).
 */
export class Turns {
  private readonly running = new Map<string, { now: number; waiting: (() => void)[] }>();

  constructor(private readonly perKey: number) {}

  /** Runs `task` in one of `key`'s turns, once one is free. */
  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const done = await this.take(key);
    try {
      return await task();
    } finally {
      done();
    }
  }

  /**
   * Waits for one of `key`'s turns; the returned function ends it (once, however often). With a
   * `signal`, undefined instead, without a turn, if it aborts while this still waits in line.
   */
  take(key: string): Promise<() => void>;
  take(key: string, signal: AbortSignal | undefined): Promise<(() => void) | undefined>;
  async take(key: string, signal?: AbortSignal): Promise<(() => void) | undefined> {
    let mine = this.running.get(key);
    if (mine === undefined) this.running.set(key, (mine = { now: 0, waiting: [] }));
    if (mine.now < this.perKey) mine.now++;
    else if (!(await waitInLine(mine.waiting, signal))) return undefined;
    const turns = mine;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      const next = turns.waiting.shift();
      // Handed on after the event loop's I/O: a hundred tasks of a key that take nothing but
      // CPU (reads answered from memory), one after another, would otherwise hold the loop from
      // every other request until done.
      if (next !== undefined) setImmediate(next);
      else if (--turns.now === 0) this.running.delete(key);
    };
  }

  /** Tasks of `key` waiting for a turn (for tests and metrics). */
  waiting(key: string): number {
    return this.running.get(key)?.waiting.length ?? 0;
  }
}

/**
 * Queues a waiter in `queue`; true once a turn that ends hands itself to it (`now` stays as it
 * is), false if `signal` aborts first (it leaves the line). One already handed the turn keeps it.
 */
function waitInLine(queue: (() => void)[], signal: AbortSignal | undefined): Promise<boolean> {
  if (signal?.aborted === true) return Promise.resolve(false);
  return new Promise((resolve) => {
    const handOn = () => {
      signal?.removeEventListener('abort', leave);
      resolve(true);
    };
    const leave = () => {
      const at = queue.indexOf(handOn);
      if (at < 0) return;
      queue.splice(at, 1);
      resolve(false);
    };
    queue.push(handOn);
    signal?.addEventListener('abort', leave, { once: true });
  });
}
