import { startServices, withDatabase } from '@groupidentify/local-services';
import { openStore } from '@groupidentify/store';
import { buildIfStale } from '../scripts/stack/build-apps.js';
import type { Cleanup } from './cleanup.js';
import { step } from './log.js';

/**
 * How the one-off ingest tools (profile-ingest, ingest-breakdown) start: the apps built, their own
 * Redis and store (stopped by `cleanup`), and a project named `name` in database `name`.
 */
export async function startToolSetup(cleanup: Cleanup, name: string) {
  buildIfStale(step);
  const services = await startServices({ redisUrl: undefined, mongoUrl: undefined });
  cleanup.add('services', () => services.stop());
  const mongoUrl = withDatabase(services.mongoUrl, name);
  const store = await openStore(mongoUrl);
  const project = await store.projects.create(name).finally(() => store.close());
  return { services, mongoUrl, project };
}
