import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TestIngest } from '../helpers/ingest.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The settings a CLI run reads; given explicitly so the test runner's own env never leaks in. */
export interface CliEnv {
  REDIS_URL: string;
  MONGO_URL: string;
  QUEUE_PREFIX: string;
  PARTITIONS: string;
  /** `destinations create`: whether private addresses are allowed (`false` when not given). */
  DESTINATIONS_ALLOW_PRIVATE?: 'true' | 'false';
}

/** The settings that point a CLI run at the Redis, database, queues and partitions of `ingest`. */
export function cliEnvOf(ingest: { config: TestIngest['config'] }): CliEnv {
  return {
    REDIS_URL: ingest.config.REDIS_URL,
    MONGO_URL: ingest.config.MONGO_URL,
    QUEUE_PREFIX: ingest.config.QUEUE_PREFIX,
    PARTITIONS: String(ingest.config.PARTITIONS),
  };
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A CLI process still running: what it printed so far, and its end. */
export interface RunningCli {
  output(): { stdout: string; stderr: string };
  /** Resolves once stderr contains `text`; rejects if the process ends first. */
  stderrShows(text: string): Promise<void>;
  /** Resolves when it exits (or was killed); rejects on a spawn error. */
  exited: Promise<CliRun & { signal: NodeJS.Signals | null }>;
  kill(): void;
}

/**
 * Starts `apps/cli/src/main.ts` as a real process (as `npm run cli` does). It is killed when the
 * test process exits, so nothing outlives the run.
 */
export function startCliProcess(args: readonly string[], env: CliEnv): RunningCli {
  const child = spawn(
    process.execPath,
    ['--conditions=@groupidentify/source', '--import', 'tsx', 'apps/cli/src/main.ts', ...args],
    {
      cwd: ROOT,
      env: { ...process.env, DESTINATIONS_ALLOW_PRIVATE: 'false', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  const watchers = new Set<() => void>();
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    for (const w of watchers) w();
  });
  const kill = (): void => void child.kill('SIGKILL');
  process.once('exit', kill);
  const exited = new Promise<CliRun & { signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      process.removeListener('exit', kill);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return {
    output: () => ({ stdout, stderr }),
    exited,
    kill,
    stderrShows: (text) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (!stderr.includes(text)) return;
          watchers.delete(check);
          resolve();
        };
        watchers.add(check);
        check();
        void exited.then(() => {
          if (!stderr.includes(text))
            reject(new Error(`cli ${args.join(' ')} ended without printing ${text}:\n${stderr}`));
        });
      }),
  };
}

/**
 * Runs the CLI to its end (see {@link startCliProcess}). A run that outlives `timeoutMs` is
 * killed and fails the test: the CLI must exit on its own.
 */
export async function runCliProcess(
  args: readonly string[],
  env: CliEnv,
  timeoutMs = 30_000,
): Promise<CliRun> {
  const cli = startCliProcess(args, env);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      cli.kill();
      reject(
        new Error(
          `cli ${args.join(' ')} still running after ${timeoutMs} ms\n${cli.output().stderr}`,
        ),
      );
    }, timeoutMs);
  });
  try {
    const { code, stdout, stderr } = await Promise.race([cli.exited, timeout]);
    return { code, stdout, stderr };
  } finally {
    clearTimeout(timer);
  }
}

/** stdout of a run that must succeed, parsed as the one JSON document it must be. */
export async function cliJson(args: readonly string[], env: CliEnv): Promise<unknown> {
  const run = await runCliProcess(args, env);
  if (run.code !== 0) throw new Error(`cli ${args.join(' ')} exited ${run.code}: ${run.stderr}`);
  const lines = run.stdout.split('\n').filter((l) => l !== '');
  if (lines.length !== 1) throw new Error(`expected one line on stdout, got:\n${run.stdout}`);
  return JSON.parse(lines[0] ?? '') as unknown;
}
