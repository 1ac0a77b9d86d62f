import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The settings a CLI run reads; given explicitly so the test runner's own env never leaks in. */
export interface CliEnv {
  REDIS_URL: string;
  MONGO_URL: string;
  QUEUE_PREFIX: string;
  PARTITIONS: string;
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `apps/cli/src/main.ts` as a real process (as `npm run cli` does) and waits for it to exit.
 * A run that outlives `timeoutMs` is killed and fails the test: the CLI must exit on its own.
 */
export async function runCliProcess(
  args: readonly string[],
  env: CliEnv,
  timeoutMs = 30_000,
): Promise<CliRun> {
  const child = spawn(
    process.execPath,
    ['--conditions=@groupidentify/source', '--import', 'tsx', 'apps/cli/src/main.ts', ...args],
    { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`cli ${args.join(' ')} still running after ${timeoutMs} ms\n${stderr}`));
      }, timeoutMs);
      child.once('error', reject);
      child.once('close', (exitCode) => {
        clearTimeout(timer);
        resolve(exitCode);
      });
    });
    return { code, stdout, stderr };
  } finally {
    process.removeListener('exit', killOnExit);
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
