import { z } from 'zod';

const int = (min: number, fallback: number) => z.coerce.number().int().min(min).default(fallback);

const schema = z.object({
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
    .default('redis://127.0.0.1:6379'),
  /** `host:port,host:port,…` of a Redis Cluster; when set, REDIS_URL is not used. */
  REDIS_CLUSTER_NODES: z
    .string()
    .regex(/^\s*[^\s:,]+:\d+\s*(,\s*[^\s:,]+:\d+\s*)*$/, 'must be host:port,host:port,…')
    .optional(),
  MONGO_URL: z
    .string()
    .regex(/^mongodb(\+srv)?:\/\//, 'must be a mongodb:// or mongodb+srv:// URL')
    .default('mongodb://127.0.0.1:27017/groupidentify'),
  PORT: int(0, 8080),
  HOST: z.string().default('0.0.0.0'),
  /** Fixed for a deployment's life (DESIGN §2). */
  PARTITIONS: int(1, 16),
  /** Base of the BullMQ partition prefixes, `{<base>:07}`. */
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/)
    .default('gi'),
  /** Group commit: how long a partition buffer waits for more items before it is enqueued. */
  FLUSH_LINGER_MS: int(0, 2),
  /** Group commit: items per job; a fuller buffer is enqueued at once. */
  FLUSH_MAX_ITEMS: int(1, 1000),
  /** Waiting jobs in one partition above which requests for it get 429. */
  MAX_BACKLOG: int(1, 10_000),
  /** How long an enqueue may take before the request gets 503. */
  ENQUEUE_TIMEOUT_MS: int(1, 5000),
  /** How long an api_key lookup (hit or miss) is cached: a revoked key stops within this. */
  PROJECT_CACHE_TTL_MS: int(0, 5000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

/** The ingest app's configuration (SPEC §7). */
export type IngestConfig = z.infer<typeof schema>;

/** Reads and validates the environment; throws one readable message listing every problem. */
export function loadConfig(env: NodeJS.ProcessEnv): IngestConfig {
  const result = schema.safeParse(env);
  if (!result.success) throw new Error(`invalid configuration:\n${z.prettifyError(result.error)}`);
  return result.data;
}
