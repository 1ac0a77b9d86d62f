import { z } from 'zod';

const schema = z.object({
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
    .default('redis://127.0.0.1:6379'),
  /** `host:port,…` of a Redis Cluster; when set, REDIS_URL is not used. */
  REDIS_CLUSTER_NODES: z.string().optional(),
  MONGO_URL: z
    .string()
    .regex(/^mongodb(\+srv)?:\/\//, 'must be a mongodb:// or mongodb+srv:// URL')
    .default('mongodb://127.0.0.1:27017/groupidentify'),
  /** Must match the deployment's (DESIGN §2): replay checks each letter's partition with it. */
  PARTITIONS: z.coerce.number().int().min(1).default(16),
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/)
    .default('gi'),
});

/** The CLI's configuration: the same variables and defaults as the apps (SPEC §7). */
export type CliConfig = z.infer<typeof schema>;

/** Reads and validates the environment; throws one readable message listing every problem. */
export function loadConfig(env: NodeJS.ProcessEnv): CliConfig {
  const result = schema.safeParse(env);
  if (!result.success) throw new Error(`invalid configuration:\n${z.prettifyError(result.error)}`);
  return result.data;
}
