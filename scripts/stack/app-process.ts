import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * How each app runs: node's flags and the compiled entry point, as the Dockerfile and
 * docker-compose.yml run them (a test holds them to this). Both apps' young generation is half
 * V8's default: ~20 MB (ingest) to ~40 MB (worker) less at their peaks, for a few percent of
 * ingest's throughput at 100 identifications a request and none measurable of the worker's
 * (BENCHMARKS.md); it cannot be set from inside the process.
 */
export const APP_COMMAND = {
  ingest: ['--max-semi-space-size=8', 'apps/ingest/dist/main.js'],
  worker: ['--max-semi-space-size=8', 'apps/worker/dist/main.js'],
} as const;

export type AppKind = keyof typeof APP_COMMAND;

export interface AppProcessOptions {
  /** Label of its output lines and messages, e.g. `worker 1`. */
  label: string;
  kind: AppKind;
  /**
   * Its CPU niceness: above 0 it runs through `nice -n`, so that every thread of it (V8's and
   * libuv's too, not only the one `setpriority` would reach) has it from the start.
   */
  nice: number;
  /** The whole environment of the process. */
  env: NodeJS.ProcessEnv;
  /** Every line it prints, as it prints it. */
  onLine: (label: string, line: string, stream: 'stdout' | 'stderr') => void;
  /** Called when it exits without being asked to (a crash, a kill from outside). */
  onUnexpectedExit: (exit: ProcessExit) => void;
}

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * One app as a child process of this one: `node [flags] apps/<kind>/dist/main.js`. It gets an IPC
 * channel it never uses but which tells it when this process is gone (the apps then shut down as
 * on SIGTERM): a launcher killed with SIGKILL leaves no orphans behind.
 */
export class AppProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<ProcessExit> = Promise.resolve({ code: null, signal: null });
  private stopping = false;

  constructor(private readonly options: AppProcessOptions) {}

  get label(): string {
    return this.options.label;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Spawns it (again, after an exit). */
  spawn(): void {
    const { kind, env, label, onLine, nice } = this.options;
    const command = [process.execPath, ...APP_COMMAND[kind]];
    const [file = process.execPath, ...args] =
      nice > 0 ? ['nice', '-n', String(nice), ...command] : command;
    const child = spawn(file, args, {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    this.child = child;
    this.stopping = false;
    for (const stream of ['stdout', 'stderr'] as const) {
      const input = child[stream];
      if (input === null) continue;
      createInterface({ input, crlfDelay: Infinity }).on('line', (line) =>
        onLine(label, line, stream),
      );
    }
    this.exited = new Promise((resolve) => {
      const end = (exit: ProcessExit) => {
        if (!this.stopping) this.options.onUnexpectedExit(exit);
        resolve(exit);
      };
      child.once('exit', (code, signal) => end({ code, signal }));
      // A command that could not be started (`nice` not on PATH, say) has no pid and emits
      // 'error' but never 'exit': it ended all the same, and is restarted or given up on.
      child.once('error', (error) => {
        onLine(label, `could not start: ${error.message}`, 'stderr');
        if (child.pid === undefined) end({ code: null, signal: null });
      });
    });
  }

  /** Whether it is running now. */
  running(): boolean {
    return (
      this.child?.pid !== undefined &&
      this.child.exitCode === null &&
      this.child.signalCode === null
    );
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
  async stop(graceMs: number): Promise<ProcessExit> {
    const child = this.child;
    if (child === undefined || !this.running()) return this.exited;
    this.stopping = true;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}
