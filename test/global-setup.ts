import type { TestProject } from 'vitest/node';
import { startServices } from '@groupidentify/local-services';
import { buildIfStale } from '../scripts/stack/build-apps.js';

/**
 * Once per run of the integration project: build the apps if a source changed (the stack and
 * benchmark tests run the compiled apps; building here, once, means no test rebuilds them under
 * another test's running processes), then reuse REDIS_URL/MONGO_URL when given, else start
 * redis-server and a MongoDB wire server (FerretDB on PostgreSQL when installed) on free loopback
 * ports. Test files read the URLs with `inject` (see test/helpers/services.ts).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  buildIfStale((message) => process.stdout.write(`test setup: ${message}\n`));
  const services = await startServices({
    redisUrl: process.env['REDIS_URL'],
    mongoUrl: process.env['MONGO_URL'],
  });
  if (services.mongo?.warning !== undefined)
    process.stderr.write(`test setup: WARNING: ${services.mongo.warning}\n`);
  project.provide('redisUrl', services.redisUrl);
  project.provide('mongoUrl', services.mongoUrl);
  return () => services.stop();
}
