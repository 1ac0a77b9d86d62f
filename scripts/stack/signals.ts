import { complain, say } from './log.js';

export interface StopSignal {
  /** The signal received so far, if any. */
  received(): NodeJS.Signals | undefined;
  /** Resolves with the first SIGINT/SIGTERM. */
  wait: Promise<NodeJS.Signals>;
  /** Stops as if `signal` had been received (e.g. when an app keeps crashing). */
  stop(signal: NodeJS.Signals): void;
}

/**
 * Watches SIGINT/SIGTERM from the very start, so a Ctrl-C during startup still stops what was
 * started. A second signal gives up on the graceful stop: exit at once (servers this process
 * started are then killed by local-services' exit hook). When the launcher that forwards the
 * signals (scripts/stack.ts) goes away without one, that counts as SIGTERM: this process is in
 * a group of its own and nobody else would stop it.
 */
export function watchStopSignals(): StopSignal {
  let received: NodeJS.Signals | undefined;
  let stop: (signal: NodeJS.Signals) => void = () => undefined;
  const wait = new Promise<NodeJS.Signals>((resolve) => {
    stop = (signal) => {
      if (received !== undefined) return;
      received = signal;
      resolve(signal);
    };
    const onSignal = (signal: NodeJS.Signals, why = `${signal} received`): void => {
      if (received !== undefined) {
        complain(`${signal} again: exiting without finishing the stop`);
        process.exit(1);
      }
      received = signal;
      say(`${why}: stopping (send it again to force)…`);
      resolve(signal);
    };
    // Wrapped: node passes the signal number as a second argument.
    process.on('SIGINT', () => onSignal('SIGINT'));
    process.on('SIGTERM', () => onSignal('SIGTERM'));
    process.once('disconnect', () => {
      if (received === undefined) onSignal('SIGTERM', 'the launcher (scripts/stack.ts) is gone');
    });
  });
  return { received: () => received, wait, stop: (signal) => stop(signal) };
}
