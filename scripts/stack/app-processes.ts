import { freePort, pollUntil } from '@groupidentify/local-services';
import { AppProcess, type AppKind, type ProcessExit } from './app-process.js';

export interface AppLayout {
  /** The environment every app gets: servers, queue settings, log level… */
  env: NodeJS.ProcessEnv;
  /** Ingest's listener. */
  host: string;
  port: number;
  /** Worker processes. */
  workers: number;
  /** The worker processes' CPU niceness (`STACK_WORKER_NICE`); 0 runs them as ingest runs. */
  workerNice: number;
  /**
   * Worker i's (0-based) metrics port is `metricsPort + i`, ingest's `metricsPort + workers`;
   * undefined: free ports; 0: no metrics servers.
   */
  metricsPort: number | undefined;
}

export interface Supervision {
  /** One line of the launcher's own (progress, a restart). */
  say(message: string): void;
  complain(message: string): void;
  /** Every line an app prints, with its label. */
  onLine(label: string, line: string, stream: 'stdout' | 'stderr'): void;
  /** An app kept crashing: everything was stopped, and the caller should stop too. */
  onGiveUp(reason: string): void;
}

export interface RunningApp {
  label: string;
  kind: AppKind;
  /** Its pid now (a restarted app has a new one). */
  pid(): number | undefined;
  /** The app's `/metrics` (its metrics port), when its metrics server runs. */
  metricsUrl?: string;
}

export interface RunningApps {
  ingestPort: number;
  apps: RunningApp[];
  /** Ingest first (stop accepting, flush what it accepted), then the workers. */
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 60_000;
/** A SIGTERM'd app has 30 s to finish (docs/operations.md); then it is killed. */
const STOP_GRACE_MS = 30_000;
/** Restarts wait 1 s, then twice as long after each crash, up to 30 s. */
const FIRST_RESTART_DELAY_MS = 1000;
const MAX_RESTART_DELAY_MS = 30_000;
/** This many crashes of one app within the window: give up and stop everything. */
const CRASHES_TO_GIVE_UP = 5;
const CRASH_WINDOW_MS = 60_000;

/**
 * Runs the production process layout on this machine: one ingest process and `workers` worker
 * processes, each `node apps/<app>/dist/main.js` as the Dockerfile runs them. An app that exits
 * on its own is restarted after a pause (growing from 1 s to 30 s), like a supervisor would; one
 * that crashes 5 times within a minute stops everything. `npm run stack` and the benchmark both
 * start the apps here.
 */
export async function startAppProcesses(
  layout: AppLayout,
  supervision: Supervision,
): Promise<RunningApps> {
  const ingestPort = layout.port === 0 ? await freePort() : layout.port;
  const metricsPorts = await Promise.all(
    Array.from({ length: layout.workers }, (_, i) =>
      layout.metricsPort === undefined
        ? freePort()
        : Promise.resolve(layout.metricsPort === 0 ? 0 : layout.metricsPort + i),
    ),
  );
  const ingestMetricsPort =
    layout.metricsPort === undefined
      ? await freePort()
      : layout.metricsPort === 0
        ? 0
        : layout.metricsPort + layout.workers;
  const specs = [
    {
      label: 'ingest',
      kind: 'ingest' as const,
      nice: 0,
      env: {
        ...layout.env,
        PORT: String(ingestPort),
        HOST: layout.host,
        METRICS_PORT: String(ingestMetricsPort),
      },
      readyUrl: `http://127.0.0.1:${ingestPort}/readyz`,
      metricsUrl:
        ingestMetricsPort === 0 ? undefined : `http://127.0.0.1:${ingestMetricsPort}/metrics`,
    },
    ...metricsPorts.map((port, i) => ({
      label: layout.workers === 1 ? 'worker' : `worker ${i + 1}`,
      kind: 'worker' as const,
      nice: layout.workerNice,
      env: { ...layout.env, METRICS_PORT: String(port) },
      readyUrl: port === 0 ? undefined : `http://127.0.0.1:${port}/healthz`,
      metricsUrl: port === 0 ? undefined : `http://127.0.0.1:${port}/metrics`,
    })),
  ];
  let stopping = false;
  const supervised = specs.map((spec) => {
    const crashes: number[] = [];
    const app: AppProcess = new AppProcess({
      label: spec.label,
      kind: spec.kind,
      nice: spec.nice,
      env: spec.env,
      onLine: (label, line, stream) => supervision.onLine(label, line, stream),
      onUnexpectedExit: (exit) => {
        if (stopping) return;
        const now = Date.now();
        crashes.push(now);
        while ((crashes[0] ?? now) < now - CRASH_WINDOW_MS) crashes.shift();
        if (crashes.length >= CRASHES_TO_GIVE_UP) {
          const reason = `${spec.label} exited ${crashes.length} times within ${CRASH_WINDOW_MS / 1000} s (last: ${describe(exit)})`;
          supervision.complain(`${reason}: stopping everything`);
          void stopAll().finally(() => supervision.onGiveUp(reason));
          return;
        }
        const delay = Math.min(
          MAX_RESTART_DELAY_MS,
          FIRST_RESTART_DELAY_MS * 2 ** (crashes.length - 1),
        );
        supervision.complain(
          `${spec.label} exited unexpectedly (${describe(exit)}); restarting it in ${delay / 1000} s`,
        );
        setTimeout(() => {
          if (stopping) return;
          app.spawn();
          void waitReady(spec.label, spec.readyUrl, app).then(
            () => supervision.say(`${spec.label}: running again (pid ${app.pid ?? '?'})`),
            (error: unknown) => supervision.complain(messageOf(error)),
          );
        }, delay).unref();
      },
    });
    return { spec, app };
  });

  const stopAll = async (): Promise<void> => {
    stopping = true;
    for (const kind of ['ingest', 'worker'] as const) {
      const group = supervised.filter((s) => s.spec.kind === kind && s.app.running());
      if (group.length === 0) continue;
      supervision.say(
        kind === 'ingest'
          ? 'ingest: stopping (finishing in-flight requests)…'
          : `${group.map((s) => s.spec.label).join(', ')}: stopping (finishing or releasing current jobs)…`,
      );
      await Promise.all(group.map((s) => s.app.stop(STOP_GRACE_MS)));
    }
  };

  try {
    // Workers first: ingest is ready to accept only when something will apply what it accepts.
    for (const { spec, app } of [...supervised.slice(1), ...supervised.slice(0, 1)]) {
      supervision.say(`${spec.label}: starting…`);
      app.spawn();
      await waitReady(spec.label, spec.readyUrl, app);
      supervision.say(`${spec.label}: running (pid ${app.pid ?? '?'})`);
    }
  } catch (error) {
    await stopAll();
    throw error;
  }
  return {
    ingestPort,
    apps: supervised.map(({ spec, app }) => ({
      label: spec.label,
      kind: spec.kind,
      pid: () => app.pid,
      ...('metricsUrl' in spec && spec.metricsUrl !== undefined
        ? { metricsUrl: spec.metricsUrl }
        : {}),
    })),
    stop: stopAll,
  };
}

async function waitReady(label: string, url: string | undefined, app: AppProcess): Promise<void> {
  if (url === undefined) return;
  await pollUntil(
    async () => (await fetch(url)).status === 200, // a refused connection: not yet
    {
      timeoutMs: READY_TIMEOUT_MS,
      intervalMs: 100,
      description: `${label} to answer GET ${new URL(url).pathname} with 200`,
      abortIf: () => (app.running() ? undefined : new Error(`${label} exited while starting`)),
    },
  );
}

function describe(exit: ProcessExit): string {
  return exit.signal !== null ? `signal ${exit.signal}` : `code ${exit.code ?? '?'}`;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
