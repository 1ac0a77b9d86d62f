import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { APP_COMMAND } from '../../scripts/stack/app-process.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

export interface ChildIngest {
  child: ChildProcess;
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Everything it wrote so far, stdout then stderr. */
  stdout(): string;
  stderr(): string;
  /** SIGKILL if still running (cleanup). */
  kill(): Promise<void>;
}

/**
 * `apps/ingest/src/main.ts` as its own process, the way `npm run start:ingest` runs it, with only
 * `env` (plus PATH/HOME) as its environment. One node process (tsx as a loader, not as a
 * wrapper process), so that a signal and the exit code are the app's own. With `compiled`, it is
 * `apps/ingest/dist/main.js` instead, with the flags `npm run stack` runs it with (`APP_COMMAND`;
 * test/global-setup.ts builds it).
 */
export function spawnIngestMain(
  env: Record<string, string>,
  options: { compiled?: boolean } = {},
): ChildIngest {
  const child = spawn(
    process.execPath,
    options.compiled === true
      ? [...APP_COMMAND.ingest]
      : ['--conditions=@groupidentify/source', '--import', 'tsx', 'apps/ingest/src/main.ts'],
    {
      cwd: repoRoot,
      // No metrics server unless asked for: parallel tests would share its default port.
      env: {
        PATH: process.env['PATH'] ?? '',
        HOME: process.env['HOME'] ?? '',
        METRICS_PORT: '0',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = once(child, 'exit').then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as NodeJS.Signals | null,
  }));
  return {
    child,
    exited,
    stdout: () => stdout,
    stderr: () => stderr,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

/** What a one-shot HTTP request got: a full response, or the error code of a failed exchange. */
export type RawOutcome = { status: number; body: string } | { error: string };

/**
 * A POST on a connection of its own (no keep-alive pool), so that a refused connection
 * (`ECONNREFUSED`) can be told apart from one cut mid-request (`ECONNRESET`, hang up).
 */
export function postOnce(url: string, contentType: string, body: string): Promise<RawOutcome> {
  return new Promise((resolve) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent: false,
        headers: { 'content-type': contentType, 'content-length': Buffer.byteLength(body) },
        timeout: 30_000,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        res.on('error', (err: NodeJS.ErrnoException) =>
          resolve({ error: err.code ?? err.message }),
        );
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
    req.end(body);
  });
}
