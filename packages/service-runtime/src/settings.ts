import { z } from 'zod';

/** An integer environment variable with a lower bound and a default. */
export const intSetting = (min: number, fallback: number) =>
  z.coerce.number().int().min(min).default(fallback);

/** A `true`/`false` environment variable (exactly those words) with a default. */
export const boolSetting = (fallback: boolean) =>
  z
    .enum(['true', 'false'], { message: 'must be true or false' })
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true');

/** Whether webhook destinations may point at loopback, link-local and private addresses. */
export const destinationSettings = { DESTINATIONS_ALLOW_PRIVATE: boolSetting(false) };

/** The settings of every process that are not about the queues: the store and the log level. */
export const serviceSettings = {
  MONGO_URL: z
    .string()
    .regex(/^mongodb(\+srv)?:\/\//, 'must be a mongodb:// or mongodb+srv:// URL')
    .default('mongodb://127.0.0.1:27017/groupidentify'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
};

/** Validates `env` with `schema`; throws one readable message listing every problem. */
export function parseSettings<T extends z.ZodType>(schema: T, env: NodeJS.ProcessEnv): z.infer<T> {
  const result = schema.safeParse(env);
  if (!result.success) throw new Error(`invalid configuration:\n${z.prettifyError(result.error)}`);
  return result.data;
}
