import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMongo, type FerretdbBackend, type MongoServer } from './mongo-server.js';
import { startRedis, type RedisServer } from './redis-server.js';

export interface ServicesOptions {
  /** Use this Redis instead of starting one (e.g. `process.env.REDIS_URL`; '' counts as unset). */
  redisUrl?: string | undefined;
  /** Use this MongoDB instead of starting one (e.g. `process.env.MONGO_URL`; '' counts as unset). */
  mongoUrl?: string | undefined;
  /** Storage of a FerretDB started here (see `MongoOptions`); default: PostgreSQL if installed. */
  ferretdbBackend?: FerretdbBackend | undefined;
  /** Parent of the temp dir; default the OS temp dir. */
  tmpRoot?: string | undefined;
}

export interface Services {
  redisUrl: string;
  mongoUrl: string;
  /** Present when this call started Redis (so tests can restart or kill it). */
  redis?: RedisServer;
  /** Present when this call started the MongoDB wire server. */
  mongo?: MongoServer;
  /** Temp dir holding data and logs of started servers; removed by stop(). */
  dir?: string;
  /** Stops what was started and removes the temp dir; given URLs are left alone. */
  stop(): Promise<void>;
}

/** Reuses the given URLs, and starts on free loopback ports whatever was not given. */
export async function startServices(options: ServicesOptions = {}): Promise<Services> {
  const redisUrl = options.redisUrl || undefined;
  const mongoUrl = options.mongoUrl || undefined;
  if (redisUrl && mongoUrl) return { redisUrl, mongoUrl, stop: () => Promise.resolve() };

  const dir = mkdtempSync(join(options.tmpRoot ?? tmpdir(), 'groupidentify-services-'));
  let redis: RedisServer | undefined;
  let mongo: MongoServer | undefined;
  // If the process exits without stop(), managed-process kills the servers; this drops their data.
  const removeDir = (): void => {
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    } catch {
      // Best effort at exit: a server killed a moment ago may still be writing.
    }
  };
  process.once('exit', removeDir);
  const stop = async (): Promise<void> => {
    // Both, even if one fails: a leftover server holds a port and the temp dir.
    await Promise.allSettled([redis?.stop(), mongo?.stop()]);
    process.off('exit', removeDir);
    rmSync(dir, { recursive: true, force: true });
  };
  // In parallel (each takes a moment to come up), but settle both so that a failure of one never
  // leaves the other running.
  const [redisResult, mongoResult] = await Promise.allSettled([
    redisUrl ? undefined : startRedis({ dir: join(dir, 'redis'), logFile: join(dir, 'redis.log') }),
    mongoUrl
      ? undefined
      : startMongo({
          dir: join(dir, 'mongo'),
          logFile: join(dir, 'mongo.log'),
          ferretdbBackend: options.ferretdbBackend,
        }),
  ]);
  if (redisResult.status === 'fulfilled') redis = redisResult.value;
  if (mongoResult.status === 'fulfilled') mongo = mongoResult.value;
  const failures = [redisResult, mongoResult].flatMap((r) =>
    r.status === 'rejected' ? [r.reason as unknown] : [],
  );
  if (failures.length > 0) {
    await stop();
    throw failures.length === 1 ? failures[0] : new AggregateError(failures, 'services failed');
  }
  return {
    redisUrl: redisUrl ?? urlOf(redis),
    mongoUrl: mongoUrl ?? urlOf(mongo),
    ...(redis && { redis }),
    ...(mongo && { mongo }),
    dir,
    stop,
  };
}

function urlOf(server: { url: string } | undefined): string {
  if (!server) throw new Error('internal: a service was neither given nor started');
  return server.url;
}
