import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not be spawned at all (e.g. ENOENT: binary missing). */
  error?: Error;
}

export interface ManagedProcess {
  readonly pid: number | undefined;
  readonly name: string;
  /** `undefined` while the process runs. */
  exitInfo(): ExitInfo | undefined;
  /** Sends `signal` (default SIGTERM), waits for exit; SIGKILL if still alive after `timeoutMs`. */
  stop(options?: { signal?: NodeJS.Signals; timeoutMs?: number }): Promise<ExitInfo>;
}

// Children of this process that are still running: killed when the process exits, so a crashed or
// interrupted test run never leaves servers holding ports and temp dirs.
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' handlers must be synchronous: a plain kill is all that is possible here.
  process.on('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

/** A user to run a server as (PostgreSQL refuses to run as root). */
export interface RunAs {
  uid: number;
  gid: number;
}

/**
 * Spawns `command` with stdout and stderr appended to `logFile`, with `env` over this process's
 * environment.
 */
export function spawnManaged(
  name: string,
  command: string,
  args: readonly string[],
  logFile: string,
  runAs?: RunAs,
  env?: Readonly<Record<string, string>>,
): ManagedProcess {
  installExitHook();
  const fd = openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(command, args, {
      stdio: ['ignore', fd, fd],
      ...(env === undefined ? {} : { env: { ...process.env, ...env } }),
      ...runAs,
    });
  } finally {
    closeSync(fd); // the child has its own copy
  }
  live.add(child);
  let exit: ExitInfo | undefined;
  const exited = new Promise<ExitInfo>((resolve) => {
    child.once('error', (error) => {
      // 'exit' does not follow a failed spawn; a later 'error' (failed kill) keeps the first result.
      if (child.pid === undefined) finish({ code: null, signal: null, error });
    });
    child.once('exit', (code, signal) => {
      finish({ code, signal });
    });
    function finish(info: ExitInfo): void {
      live.delete(child);
      exit ??= info;
      resolve(exit);
    }
  });

  return {
    pid: child.pid,
    name,
    exitInfo: () => exit,
    async stop({ signal = 'SIGTERM', timeoutMs = 10_000 } = {}) {
      if (exit) return exit;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** A one-line description of how a process ended, for error messages. */
export function describeExit(info: ExitInfo): string {
  if (info.error) return `could not start: ${info.error.message}`;
  if (info.signal) return `killed by ${info.signal}`;
  return `exited with code ${String(info.code)}`;
}
