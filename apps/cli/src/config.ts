import { z } from 'zod';
import { queueSettings } from '@groupidentify/queue-contract';
import {
  destinationSettings,
  parseSettings,
  serviceSettings,
} from '@groupidentify/service-runtime';

// The same variables and defaults as the apps (docs/operations.md). PARTITIONS must match the deployment's
// (docs/guarantees.md): replay checks each letter's partition with it.
// DESTINATIONS_ALLOW_PRIVATE: `destinations create` checks URLs as the API does.
const schema = z.object({ ...queueSettings, ...serviceSettings, ...destinationSettings });

/** The CLI's configuration. */
export type CliConfig = z.infer<typeof schema>;

/** Reads and validates the environment; throws one readable message listing every problem. */
export function loadConfig(env: NodeJS.ProcessEnv): CliConfig {
  return parseSettings(schema, env);
}
