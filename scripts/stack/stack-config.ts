import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

// An empty variable counts as unset, as in scripts/setup.sh (`${REDIS_URL:-}`).
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (v === '' ? undefined : v), schema.optional());
const port = (fallback: number) => z.coerce.number().int().min(1).max(65_535).default(fallback);

const schema = z.object({
  /** Use this Redis; otherwise reuse or start one on 127.0.0.1:STACK_REDIS_PORT. */
  REDIS_URL: optional(z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')),
  /** Use this MongoDB; otherwise reuse or start one on 127.0.0.1:STACK_MONGO_PORT. */
  MONGO_URL: optional(
    z.string().regex(/^mongodb(\+srv)?:\/\//, 'must be a mongodb:// or mongodb+srv:// URL'),
  ),
  REDIS_CLUSTER_NODES: optional(z.string()),
  /** Where the stack keeps server data and the demo project's keys. */
  STACK_DIR: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.string().default(join(REPO, '.stack')),
  ),
  /** The local ports the stack looks for (and starts) its servers on: the conventional ones. */
  STACK_REDIS_PORT: port(6379),
  STACK_MONGO_PORT: port(27017),
  PORT: z.coerce.number().int().min(0).max(65_535).default(8080),
  /** A laptop stack with printed keys listens on loopback only unless told otherwise. */
  HOST: z.string().min(1).default('127.0.0.1'),
  /**
   * Worker processes beside the one ingest process. One by default: on a 2-core machine a second
   * worker competes with the store for the same cores (docs/performance.md has the measurements).
   */
  STACK_WORKERS: z.coerce.number().int().min(1).max(16).default(1),
  /**
   * Added to the workers' CPU niceness (`nice -n`, 0–19, on top of the stack's own; 0, the
   * default: the same as ingest). Above 0, when the machine's cores are all busy a worker gives
   * way to ingest answering clients: other projects' reads wait less beside a flooding one, and
   * the worker applies less while the cores are short (docs/performance.md has both, measured).
   * Idle cores are still all the worker's.
   */
  STACK_WORKER_NICE: z.coerce.number().int().min(0).max(19).default(0),
  /**
   * `maxmemory` of the redis-server the stack starts (bytes, or e.g. `512mb`, `2gb`); default half
   * of this machine's memory. Full, Redis refuses writes and ingest answers 503.
   */
  STACK_REDIS_MAXMEMORY: optional(
    z.string().regex(/^[1-9]\d*(b|kb|mb|gb)?$/i, 'must be bytes, or a size like 512mb or 2gb'),
  ),
  /** The apps' logs share the terminal with the stack's own lines: warnings and errors only. */
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('warn'),
});

export type StackConfig = z.infer<typeof schema> & {
  /** Where each server is: the given URL, or the local port the stack reuses or starts. */
  redisUrl: string;
  mongoUrl: string;
};

/** The database the apps use by default (the apps' MONGO_URL default). */
export const DEFAULT_DATABASE = 'groupidentify';

export function loadStackConfig(env: NodeJS.ProcessEnv): StackConfig {
  const result = schema.safeParse(env);
  if (!result.success) throw new Error(`invalid configuration:\n${z.prettifyError(result.error)}`);
  const c = result.data;
  return {
    ...c,
    redisUrl: c.REDIS_URL ?? `redis://127.0.0.1:${c.STACK_REDIS_PORT}`,
    mongoUrl: c.MONGO_URL ?? `mongodb://127.0.0.1:${c.STACK_MONGO_PORT}/${DEFAULT_DATABASE}`,
  };
}
