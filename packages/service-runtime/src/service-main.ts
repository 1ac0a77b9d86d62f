/** What a service's entry point hands over once it runs. */
export interface RunningService {
  service: { close(): Promise<void> };
  logger: {
    info(fields: object, message: string): void;
    error(fields: object, message: string): void;
  };
}

/** How long a SIGTERM'd process may take to finish or release its work (docs/operations.md: 30 s). */
export const SHUTDOWN_DEADLINE_MS = 25_000;

/**
 * The `main` of ingest and worker alike: start the service, and on SIGTERM or SIGINT close it —
 * exit 0 once closed, 1 if closing fails or outlasts the deadline. A failed start prints its
 * reason (e.g. which setting is invalid) and exits 1. A process started with an IPC channel (as
 * `npm run stack` starts the apps) shuts down the same way when the channel closes: its launcher
 * is gone, even if it was killed without a chance to stop it.
 */
export function runServiceMain(start: () => Promise<RunningService>): void {
  start().then(
    ({ service, logger }) => {
      let closing = false;
      const shutDown = (reason: string) => {
        if (closing) return;
        closing = true;
        logger.info({ reason }, 'shutting down');
        setTimeout(() => process.exit(1), SHUTDOWN_DEADLINE_MS).unref();
        service.close().then(
          () => process.exit(0),
          (err: unknown) => {
            logger.error({ err }, 'shutdown failed');
            process.exit(1);
          },
        );
      };
      for (const signal of ['SIGTERM', 'SIGINT'] as const)
        process.once(signal, () => shutDown(signal));
      if (process.connected) process.once('disconnect', () => shutDown('launcher gone'));
    },
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
