import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { requireFerretdbBinary } from './ferretdb-binary.js';
import { findOnPath } from './find-executable.js';
import { startLocalServer, type LocalServer } from './local-server.js';
import { mongoPing } from './mongo-ping.js';

export interface MongoOptions {
  /** Data dir; created if missing and kept across restarts. */
  dir: string;
  port?: number | undefined;
  /** Default `<dir>/mongo-server.log`. */
  logFile?: string | undefined;
  startTimeoutMs?: number | undefined;
  env?: NodeJS.ProcessEnv | undefined;
}

export interface MongoServer extends LocalServer {
  readonly kind: 'mongod' | 'ferretdb';
}

type Recipe = Pick<Parameters<typeof startLocalServer>[0], 'name' | 'command'>;

/**
 * Starts a MongoDB wire server on 127.0.0.1 and waits until it answers `ping`: `mongod` if it is on
 * PATH, else the FerretDB binary that scripts/setup.sh builds (DESIGN §5).
 */
export async function startMongo(options: MongoOptions): Promise<MongoServer> {
  mkdirSync(options.dir, { recursive: true });
  const env = options.env ?? process.env;
  const mongod = findOnPath('mongod', env['PATH']);
  const kind = mongod ? 'mongod' : 'ferretdb';
  const recipe = mongod ? mongodRecipe(mongod, options.dir) : ferretdbRecipe(options.dir, env);
  const server = await startLocalServer({
    ...recipe,
    dir: options.dir,
    logFile: options.logFile ?? join(options.dir, 'mongo-server.log'),
    port: options.port,
    startTimeoutMs: options.startTimeoutMs,
    url: (port) => `mongodb://127.0.0.1:${port}/`,
    isReady: (url) => mongoPing(url),
  });
  return Object.assign(server, { kind } as const);
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

function ferretdbRecipe(dir: string, env: NodeJS.ProcessEnv): Recipe {
  const binary = requireFerretdbBinary(env);
  return {
    name: 'ferretdb',
    command: (port) => ({
      command: binary,
      args: [
        '--handler=sqlite',
        // A directory URI: one SQLite file per database; the trailing slash is required.
        `--sqlite-url=file:${dir}/`,
        // Its state.json would otherwise land in the current directory.
        `--state-dir=${dir}`,
        `--listen-addr=127.0.0.1:${port}`,
        // '-' turns off the metrics/pprof HTTP listener, which defaults to a fixed port (8088)
        // and would collide between parallel servers.
        '--debug-addr=-',
        '--telemetry=disable',
        '--log-level=warn',
      ],
    }),
  };
}
