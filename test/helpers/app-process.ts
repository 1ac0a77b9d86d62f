import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = { ingest: 'apps/ingest/src/main.ts', worker: 'apps/worker/src/main.ts' } as const;

export interface AppProcess {
  pid: number;
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal?: NodeJS.Signals): void;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
}

/**
 * Runs an app's `main.ts` as a real child process (as `npm run start:<app>` does), with `env`
 * on top of this process's environment. Killed with SIGKILL if the test process exits first.
 */
export function spawnApp(app: keyof typeof MAIN, env: Record<string, string>): AppProcess {
  const child = spawn(
    process.execPath,
    ['--conditions=@groupidentify/source', '--import', 'tsx', MAIN[app]],
    {
      cwd: ROOT,
      // Ingest's metrics server only when asked for: parallel tests would share its default port.
      env: { ...process.env, ...(app === 'ingest' ? { METRICS_PORT: '0' } : {}), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  if (child.pid === undefined) throw new Error(`could not start ${app}`);
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      process.removeListener('exit', killOnExit);
      resolve({ code, signal });
    });
  });
  return {
    pid: child.pid,
    exited,
    kill: (signal = 'SIGTERM') => child.kill(signal),
    output: () => output,
  };
}
