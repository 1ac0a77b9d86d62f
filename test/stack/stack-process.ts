import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { pollUntil } from '../helpers/services.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

// Variables the stack reads: a test names every one it wants, none leak in from the runner's env.
const STACK_VARIABLES = [
  'REDIS_URL',
  'MONGO_URL',
  'REDIS_CLUSTER_NODES',
  'STACK_DIR',
  'STACK_REDIS_PORT',
  'STACK_REDIS_MAXMEMORY',
  'STACK_MONGO_PORT',
  'PORT',
  'HOST',
  'LOG_LEVEL',
  'QUEUE_PREFIX',
  'PARTITIONS',
  'METRICS_PORT',
  'WORKER_PARTITIONS',
  'STACK_WORKERS',
  'STACK_WORKER_NICE',
];

export interface StackProcess {
  /** Everything printed so far, stdout and stderr interleaved. */
  output(): string;
  /** Waits until the output matches `pattern`; fails early if the stack exits. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  signal(signal: NodeJS.Signals): void;
  /** For cleanup: SIGTERM, then SIGKILL if it does not exit in time. No-op once exited. */
  stop(): Promise<void>;
}

/** `npm run stack`, as a user runs it, with exactly `env` for the stack's variables. */
export function spawnStack(env: Record<string, string>): StackProcess {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !STACK_VARIABLES.includes(name)),
  );
  const child = spawn('npm', ['run', 'stack'], {
    cwd: ROOT,
    env: { ...base, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  // The stack itself runs in a process group of its own and stops when its launcher goes away.
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  let done: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('close', (code, signal) => {
      process.removeListener('exit', killOnExit);
      done = { code, signal };
      resolve(done);
    });
  });
  return {
    output: () => output,
    exited,
    signal: (signal) => child.kill(signal),
    waitFor: (pattern, timeoutMs = 90_000) =>
      pollUntil(() => output.match(pattern), {
        timeoutMs,
        intervalMs: 100,
        description: `stack output matching ${String(pattern)}`,
        abortIf: () =>
          done &&
          new Error(
            `stack exited (${JSON.stringify(done)}) before printing ${String(pattern)}:\n${output}`,
          ),
      }),
    async stop() {
      if (done) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The stack's printed demo keys and curls. */
export interface Banner {
  projectId: string;
  apiKey: string;
  secretKey: string;
  /** The ingest curl's arguments after `curl`, as a shell would split them. */
  ingestCurl: string[];
  readUrl: string;
}

export function parseBanner(output: string): Banner {
  const find = (pattern: RegExp): string => {
    const value = pattern.exec(output)?.[1];
    if (value === undefined) throw new Error(`no ${String(pattern)} in:\n${output}`);
    return value;
  };
  const curl = find(/^ {2}curl (--data .*\/groupidentify)$/m);
  return {
    projectId: find(/^Demo project "demo" \(id (\w+)\)$/m),
    apiKey: find(/^ {2}api_key: +(\w+)$/m),
    secretKey: find(/^ {2}secret_key: +(\w+)$/m),
    // Single-quoted words hold no quotes here (hex keys, a JSON without apostrophes).
    ingestCurl: [...curl.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? ''),
    readUrl: find(/^ {2}curl -u \S+ (http\S+)$/m),
  };
}

/** An app process the stack said it runs (`stack: <label>: running (pid N)`), as /proc shows it. */
export interface AppProcessInfo {
  label: string;
  pid: number;
  cmdline: string;
  parentPid: number;
  parentCmdline: string;
  /** The CPU niceness of each of its threads (`/proc/<pid>/task/<tid>/stat`). */
  threadNices: number[];
}

/**
 * The app processes the stack's output names, first start of each label (or, with `latest`, the
 * last one, after restarts), with their command lines and their parent's from /proc.
 */
export function appProcesses(output: string, options: { latest?: boolean } = {}): AppProcessInfo[] {
  const byLabel = new Map<string, number>();
  for (const m of output.matchAll(
    /^stack: (ingest|worker(?: \d+)?): running(?: again)? \(pid (\d+)\)$/gm,
  )) {
    const [, label = '', pid = ''] = m;
    if (options.latest === true || !byLabel.has(label)) byLabel.set(label, Number(pid));
  }
  return [...byLabel].map(([label, pid]) => {
    const parentPid = Number(statFields(`/proc/${pid}/stat`)[1]);
    // A thread that ends between the listing and its read is passed over.
    const threadNices = readdirSync(`/proc/${pid}/task`).flatMap((tid) => {
      try {
        return [Number(statFields(`/proc/${pid}/task/${tid}/stat`)[16])];
      } catch {
        return [];
      }
    });
    return {
      label,
      pid,
      cmdline: cmdline(pid),
      parentPid,
      parentCmdline: cmdline(parentPid),
      threadNices,
    };
  });
}

/** The fields of a `stat` file after the command name (whose parentheses may hold spaces). */
function statFields(path: string): string[] {
  const text = readFileSync(path, 'utf8');
  return text.slice(text.lastIndexOf(') ') + 2).split(' ');
}

function cmdline(pid: number): string {
  return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
}
