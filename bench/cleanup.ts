import { step } from './log.js';

type Stopper = () => Promise<void> | void;

/**
 * Everything the bench started, stopped in reverse order at the end, on an error, or on
 * Ctrl-C/SIGTERM (then the process exits 130/143). Each stopper runs once, failures are logged.
 */
export class Cleanup {
  private readonly stoppers: { name: string; stop: Stopper }[] = [];
  private running: Promise<void> | undefined;

  constructor() {
    for (const [signal, code] of [
      ['SIGINT', 130],
      ['SIGTERM', 143],
    ] as const) {
      process.once(signal, () => {
        step(`${signal}: stopping everything the bench started`);
        void this.run().finally(() => process.exit(code));
      });
    }
  }

  /** Registers `stop`; returns a function that runs it now (and unregisters it). */
  add(name: string, stop: Stopper): () => Promise<void> {
    const entry = { name, stop };
    this.stoppers.push(entry);
    return async () => {
      const i = this.stoppers.indexOf(entry);
      if (i < 0) return;
      this.stoppers.splice(i, 1);
      await stop();
    };
  }

  /** Stops everything registered, last first. */
  run(): Promise<void> {
    this.running ??= (async () => {
      while (this.stoppers.length > 0) {
        const entry = this.stoppers.pop();
        if (entry === undefined) break;
        try {
          await entry.stop();
        } catch (error) {
          step(`cleanup of ${entry.name} failed: ${String(error)}`);
        }
      }
    })();
    return this.running;
  }
}

/**
 * Runs a bench entry point: exit 0 when `main` finishes, otherwise print the failure, stop
 * everything it started and exit 1.
 */
export function runEntry(main: (cleanup: Cleanup) => Promise<void>): void {
  const cleanup = new Cleanup();
  main(cleanup).then(
    () => process.exit(0),
    async (error: unknown) => {
      step(`FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      await cleanup.run();
      process.exit(1);
    },
  );
}
