import { mkdirSync } from 'node:fs';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import { findOnPath } from './find-executable.js';
import { startLocalServer, type LocalServer } from './local-server.js';
import { redisPing } from './redis-ping.js';

export interface RedisOptions {
  /** Data dir (AOF lives here); created if missing and kept across restarts. */
  dir: string;
  port?: number | undefined;
  /** The shipped durability config (docs/guarantees.md) unless false. */
  appendonly?: boolean | undefined;
  /**
   * Redis's `maxmemory` (bytes, or `2mb`, `1gb`…): over it, with `noeviction`, writes are refused
   * (ingest answers 503) rather than Redis growing until the kernel kills it. Default: half of
   * this machine's memory.
   */
  maxmemory?: string | undefined;
  /** Default `<dir>/redis-server.log`. */
  logFile?: string | undefined;
  startTimeoutMs?: number | undefined;
}

export type RedisServer = LocalServer;

/** Half of this machine's memory, in bytes: room for the apps, the store and an AOF rewrite. */
export function defaultMaxmemory(): number {
  return Math.floor(totalmem() / 2);
}

/** Starts `redis-server` on 127.0.0.1 and waits until it answers PING. */
export async function startRedis(options: RedisOptions): Promise<RedisServer> {
  const binary = findOnPath('redis-server');
  if (!binary) {
    throw new Error('redis-server is not on PATH: run `npm run setup` (or set REDIS_URL)');
  }
  mkdirSync(options.dir, { recursive: true });
  const appendonly = options.appendonly ?? true;
  const maxmemory = options.maxmemory ?? String(defaultMaxmemory());
  return startLocalServer({
    name: 'redis-server',
    dir: options.dir,
    logFile: options.logFile ?? join(options.dir, 'redis-server.log'),
    port: options.port,
    startTimeoutMs: options.startTimeoutMs,
    command: (port) => ({
      command: binary,
      args: [
        ...['--port', String(port), '--bind', '127.0.0.1', '--dir', options.dir],
        // No RDB snapshots: AOF is the durability story (docs/guarantees.md), and snapshots only cost time.
        ...['--save', ''],
        ...['--appendonly', appendonly ? 'yes' : 'no', '--appendfsync', 'everysec'],
        ...['--maxmemory', maxmemory, '--maxmemory-policy', 'noeviction', '--daemonize', 'no'],
      ],
    }),
    url: (port) => `redis://127.0.0.1:${port}`,
    isReady: (url) => redisPing(Number(new URL(url).port)),
  });
}
