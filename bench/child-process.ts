import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { pollUntil } from '@groupidentify/local-services';
import type { Cleanup } from './cleanup.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** An app's compiled entry point run as its own node process, the way production runs it. */
export interface Child {
  name: string;
  pid: number;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** Resolves once `pattern` shows in its output; fails if it exits first or takes too long. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when it is gone. */
  stop(graceMs?: number): Promise<void>;
  /** Resolves with its exit code when it ends by itself (a command, not a server). */
  exited(): Promise<number | null>;
}

/** For a command run as a child: its arguments, and each line it prints as it goes. */
export interface ChildCommand {
  args?: readonly string[];
  onLine?: (line: string) => void;
}

/**
 * Spawns `node <entry>` (a JavaScript file: an app's `dist/main.js` after `npm run build`) from the
 * repo root with `env` over this process's environment. Stopped by `cleanup` (and SIGKILLed if the
 * bench dies).
 */
export function spawnChild(
  cleanup: Cleanup,
  name: string,
  entry: string,
  env: Record<string, string>,
  nodeArgs: readonly string[] = [],
  command: ChildCommand = {},
): Child {
  const child = spawn(process.execPath, [...nodeArgs, entry, ...(command.args ?? [])], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`could not start ${name}`);
  const pid = child.pid;
  let output = '';
  let partial = '';
  const keep = (d: Buffer) => {
    output += d.toString();
    if (command.onLine !== undefined) {
      const lines = (partial + d.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) if (line.trim() !== '') command.onLine(line);
    }
    if (output.length > 200_000) output = output.slice(-100_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited = false;
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const exitCode = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      exited = true;
      process.removeListener('exit', killOnExit);
      resolve(code);
    }),
  );
  const gone = exitCode.then(() => undefined);
  const stopNow = async (graceMs = 10_000) => {
    if (exited) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await gone;
    clearTimeout(timer);
  };
  const stop = cleanup.add(`${name} (pid ${pid})`, () => stopNow());
  return {
    name,
    pid,
    output: () => output,
    async waitFor(pattern, timeoutMs = 60_000) {
      return pollUntil(() => pattern.exec(output), {
        timeoutMs,
        description: `${name} to print ${String(pattern)}`,
        abortIf: () =>
          exited ? new Error(`${name} exited early:\n${output.slice(-4000)}`) : undefined,
      });
    },
    async stop(graceMs) {
      await stopNow(graceMs);
      await stop();
    },
    async exited() {
      const code = await exitCode;
      await stop();
      return code;
    },
  };
}
