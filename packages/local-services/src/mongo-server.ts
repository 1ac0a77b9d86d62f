import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { requireFerretdbBinary } from './ferretdb-binary.js';
import { findOnPath } from './find-executable.js';
import { startLocalServer, type LocalServer } from './local-server.js';
import { mongoPing } from './mongo-ping.js';
import { findPostgresBinDir, startPostgres } from './postgres-server.js';

export type FerretdbBackend = 'sqlite' | 'postgresql';

export interface MongoOptions {
  /** Data dir; created if missing and kept across restarts. */
  dir: string;
  port?: number | undefined;
  /** Default `<dir>/mongo-server.log`. */
  logFile?: string | undefined;
  startTimeoutMs?: number | undefined;
  env?: NodeJS.ProcessEnv | undefined;
  /**
   * FerretDB's storage (when there is no `mongod`); default: {@link chooseFerretdbBackend}.
   * PostgreSQL (started here too) applies writes from many connections at once; SQLite takes one
   * writer at a time, which 16 partitions writing side by side queue behind.
   */
  ferretdbBackend?: FerretdbBackend | undefined;
}

export interface MongoServer extends LocalServer {
  readonly kind: 'mongod' | 'ferretdb-sqlite' | 'ferretdb-postgresql';
  /** Set when the server runs in a slower mode than the default, and why (for the user). */
  readonly warning?: string;
  /** The PostgreSQL server behind FerretDB (`ferretdb-postgresql`), e.g. to inspect its plans. */
  readonly postgres?: LocalServer;
}

type Recipe = Pick<Parameters<typeof startLocalServer>[0], 'name' | 'command'>;

/**
 * Starts a MongoDB wire server on 127.0.0.1 and waits until it answers `ping`: `mongod` if it is on
 * PATH, else the FerretDB binary that scripts/setup.sh builds (docs/development.md), on PostgreSQL
 * or SQLite.
 */
export async function startMongo(options: MongoOptions): Promise<MongoServer> {
  mkdirSync(options.dir, { recursive: true });
  const env = options.env ?? process.env;
  const mongod = findOnPath('mongod', env['PATH']);
  if (mongod)
    return withKind(await startWire(options, mongodRecipe(mongod, options.dir)), 'mongod');
  const binary = requireFerretdbBinary(env);
  const choice =
    options.ferretdbBackend === undefined
      ? chooseFerretdbBackend(options.dir)
      : { backend: options.ferretdbBackend };
  if (choice.backend === 'sqlite') {
    const recipe = ferretdbRecipe(binary, options.dir, [
      '--handler=sqlite',
      // A directory URI: one SQLite file per database; the trailing slash is required.
      `--sqlite-url=file:${options.dir}/`,
    ]);
    return withKind(await startWire(options, recipe), 'ferretdb-sqlite', choice.warning);
  }
  const postgres = await startPostgres({
    dir: join(options.dir, POSTGRES_SUBDIR),
    logFile: join(options.dir, 'postgres.log'),
  });
  const recipe = ferretdbRecipe(binary, options.dir, [
    '--handler=postgresql',
    // Its pool defaults to 50 connections; an update holds two at once, and the benchmark runs
    // up to 32 writers (16 partitions × 2 workers) besides its readers.
    `--postgresql-url=${postgres.url}?pool_max_conns=200`,
  ]);
  const ferretdb = await startWire(options, recipe).catch(async (error: unknown) => {
    await postgres.stop();
    throw error;
  });
  return Object.assign(withKind(pairedServer(ferretdb, postgres), 'ferretdb-postgresql'), {
    postgres,
  });
}

const POSTGRES_SUBDIR = 'postgres';

/**
 * FerretDB's backend for a data dir when none is asked for: PostgreSQL when its server binaries
 * are installed, else SQLite with a warning. A dir that already holds SQLite databases (and no
 * PostgreSQL data) keeps SQLite, so that an existing stack's data is not left behind.
 */
export function chooseFerretdbBackend(dir: string): {
  backend: FerretdbBackend;
  warning?: string;
} {
  const sqliteFiles = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.sqlite')) : [];
  if (sqliteFiles.length > 0 && !existsSync(join(dir, POSTGRES_SUBDIR))) {
    return {
      backend: 'sqlite',
      warning:
        `${dir} holds SQLite databases from an earlier run, so FerretDB keeps its SQLite ` +
        `backend: ${SQLITE_COST} Remove ${dir} (its data goes with it) to move to PostgreSQL.`,
    };
  }
  if (findPostgresBinDir() !== undefined) return { backend: 'postgresql' };
  return {
    backend: 'sqlite',
    warning:
      `PostgreSQL is not installed, so FerretDB runs on SQLite: ${SQLITE_COST} ` +
      'Install it with `bash scripts/setup.sh` (Debian package `postgresql`).',
  };
}

const SQLITE_COST =
  'SQLite takes one write at a time, so the partitions apply one after another and under load ' +
  'an identification takes several times longer to become readable than on PostgreSQL ' +
  '(BENCHMARKS.md: p99 4.8 s against 0.9 s at 2,500 identifications/s).';

function startWire(options: MongoOptions, recipe: Recipe): Promise<LocalServer> {
  return startLocalServer({
    ...recipe,
    dir: options.dir,
    logFile: options.logFile ?? join(options.dir, 'mongo-server.log'),
    port: options.port,
    startTimeoutMs: options.startTimeoutMs,
    url: (port) => `mongodb://127.0.0.1:${port}/`,
    isReady: (url) => mongoPing(url),
  });
}

function withKind(server: LocalServer, kind: MongoServer['kind'], warning?: string): MongoServer {
  return Object.assign(server, { kind }, warning === undefined ? {} : { warning });
}

/**
 * FerretDB in front, its PostgreSQL behind: started back first, stopped front first. `stop` with a
 * signal (a simulated crash) hits FerretDB only; PostgreSQL always shuts down cleanly, since with
 * `synchronous_commit=off` a killed PostgreSQL may lose its last acknowledged writes. Everything
 * else (port, url, running…) is FerretDB's.
 */
function pairedServer(front: LocalServer, back: LocalServer): LocalServer {
  return Object.assign(Object.create(front) as LocalServer, {
    async start() {
      await back.start();
      await front.start();
    },
    async stop(options?: { signal?: NodeJS.Signals }) {
      await front.stop(options);
      await back.stop();
    },
    async restart() {
      await this.stop();
      await this.start();
    },
  });
}

function mongodRecipe(binary: string, dir: string): Recipe {
  return {
    name: 'mongod',
    command: (port) => ({
      command: binary,
      args: ['--dbpath', dir, '--port', String(port), '--bind_ip', '127.0.0.1', '--quiet'],
    }),
  };
}

function ferretdbRecipe(binary: string, dir: string, backendArgs: string[]): Recipe {
  return {
    name: 'ferretdb',
    command: (port) => ({
      command: binary,
      args: [
        ...backendArgs,
        // Its state.json would otherwise land in the current directory.
        `--state-dir=${dir}`,
        `--listen-addr=127.0.0.1:${port}`,
        // '-' turns off the metrics/pprof HTTP listener, which defaults to a fixed port (8088)
        // and would collide between parallel servers.
        '--debug-addr=-',
        '--telemetry=disable',
        '--log-level=warn',
      ],
      // Go's collector runs when the heap has grown 300 % past what it kept, not 100 %: it took a
      // sixth of FerretDB's CPU under the worker's load, and a larger heap costs a little memory
      // (tens of MB) for about 6 % less CPU per identification (BENCHMARKS.md).
      env: { GOGC: '300' },
    }),
  };
}
