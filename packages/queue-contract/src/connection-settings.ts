import { z } from 'zod';

/** An integer environment variable with a lower bound and a default. */
export const intSetting = (min: number, fallback: number) =>
  z.coerce.number().int().min(min).default(fallback);

/**
 * The settings every process of a deployment shares (SPEC §7): where Redis and MongoDB are and
 * how the partition queues are named. Each app's config extends these with its own.
 */
export const connectionSettings = {
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
  /** Fixed for a deployment's life, the same on every process (DESIGN §2). */
  PARTITIONS: intSetting(1, 16),
  /** Base of the BullMQ partition prefixes, `{<base>:07}`. */
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/)
    .default('gi'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
};

/** Validates `env` with `schema`; throws one readable message listing every problem. */
export function parseSettings<T extends z.ZodType>(schema: T, env: NodeJS.ProcessEnv): z.infer<T> {
  const result = schema.safeParse(env);
  if (!result.success) throw new Error(`invalid configuration:\n${z.prettifyError(result.error)}`);
  return result.data;
}
