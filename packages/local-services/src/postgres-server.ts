import { execFile, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readdirSync,
  realpathSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, sep } from 'node:path';
import { findOnPath, isExecutable } from './find-executable.js';
import { startLocalServer, type LocalServer } from './local-server.js';
import type { RunAs } from './managed-process.js';

export interface PostgresOptions {
  /** Data dir (initialized on first start, kept across restarts). */
  dir: string;
  port?: number | undefined;
  logFile: string;
}

/**
 * Starts a throwaway PostgreSQL server on 127.0.0.1 (TCP only, trust auth, user `postgres`) for
 * FerretDB's PostgreSQL backend. The binaries are Debian's `postgresql` package (scripts/setup.sh
 * installs it). As root it runs as the `postgres` user, since PostgreSQL
 * refuses to run as root. `synchronous_commit=off`: a commit is durable within a fraction of a
 * second, as Redis's `appendfsync everysec` is — the store is not held to more than the queue.
 */
export async function startPostgres(options: PostgresOptions): Promise<LocalServer> {
  const bin = postgresBinDir();
  const runAs = process.getuid?.() === 0 ? userIds('postgres') : undefined;
  const data = join(options.dir, 'data');
  if (!existsSync(join(data, 'PG_VERSION'))) initDataDir(bin, options.dir, data, runAs);
  return startLocalServer({
    name: 'postgres',
    dir: options.dir,
    logFile: options.logFile,
    port: options.port,
    command: (port) => ({
      command: join(bin, 'postgres'),
      args: [
        ...['-D', data, '-p', String(port)],
        ...['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
        ...['-c', 'synchronous_commit=off', '-c', 'max_connections=300'],
      ],
      runAs,
    }),
    url: (port) => `postgres://postgres@127.0.0.1:${port}/postgres`,
    isReady: (url) => pgIsReady(bin, new URL(url).port),
  });
}

/** Debian installs the server under /usr/lib/postgresql/<major>/bin; else `postgres` on PATH. */
export function findPostgresBinDir(): string | undefined {
  const debian = '/usr/lib/postgresql';
  const majors = existsSync(debian)
    ? readdirSync(debian)
        .filter((v) => isExecutable(join(debian, v, 'bin', 'postgres')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (majors[0] !== undefined) return join(debian, majors[0], 'bin');
  const onPath = findOnPath('postgres');
  return onPath === undefined ? undefined : dirname(onPath);
}

/** {@link findPostgresBinDir}, or an error that says how to install PostgreSQL. */
export function postgresBinDir(): string {
  const found = findPostgresBinDir();
  if (found !== undefined) return found;
  throw new Error(
    'No PostgreSQL server binaries (for FerretDB’s PostgreSQL backend): ' +
      'run `bash scripts/setup.sh` (Debian package `postgresql`).',
  );
}

function initDataDir(bin: string, dir: string, data: string, runAs: RunAs | undefined): void {
  mkdirSync(dir, { recursive: true });
  if (runAs !== undefined) {
    chownSync(dir, runAs.uid, runAs.gid);
    letGroupTraverse(dirname(dir), runAs.gid);
  }
  const initdb = spawnSync(
    join(bin, 'initdb'),
    ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync'],
    { encoding: 'utf8', ...runAs },
  );
  if (initdb.status !== 0)
    throw new Error(`initdb failed: ${initdb.error?.message ?? ''}${initdb.stderr}`);
}

function pgIsReady(bin: string, port: string): Promise<boolean> {
  return new Promise((resolve) => {
    execFile(
      join(bin, 'pg_isready'),
      ['-h', '127.0.0.1', '-p', port, '-q'],
      { timeout: 2_000 },
      (e) => resolve(e === null),
    );
  });
}

function userIds(name: string): RunAs {
  const id = (flag: string) => Number(spawnSync('id', [flag, name], { encoding: 'utf8' }).stdout);
  const uid = id('-u');
  const gid = id('-g');
  if (!Number.isInteger(uid) || uid <= 0 || !Number.isInteger(gid))
    throw new Error(`running as root, and there is no '${name}' user to run PostgreSQL as`);
  return { uid, gid };
}

/**
 * The server's user must reach its data dir through our temp dirs (mkdtemp makes them 0700): hand
 * those dirs to its group with search (x) permission only — nothing becomes listable, and no one
 * else gains access. Only dirs inside the OS temp dir that we own are changed; elsewhere initdb
 * says what it cannot reach.
 */
function letGroupTraverse(dir: string, gid: number): void {
  const uid = process.getuid?.();
  const tmp = realpathSync(tmpdir());
  for (let d = realpathSync(dir); d.startsWith(tmp + sep); d = dirname(d)) {
    const st = statSync(d);
    if (st.uid !== uid) break;
    if (st.gid !== gid) chownSync(d, st.uid, gid);
    chmodSync(d, (st.mode & 0o7707) | 0o010);
  }
}
