import { pino } from 'pino';
import type { JsonObject } from '@groupidentify/ops';
import { loadConfig, startWorker, type WorkerService } from '@groupidentify/worker';
import { afterAll, beforeAll } from 'vitest';
import { startTestIngest, type TestIngest } from './ingest.js';
import { pollUntil } from './services.js';

/** A worker in-process, on the same Redis, database, prefix and partitions as `ingest`. */
export async function startTestWorker(
  ingest: TestIngest,
  env: Record<string, string> = {},
): Promise<WorkerService> {
  const config = loadConfig({
    REDIS_URL: ingest.config.REDIS_URL,
    MONGO_URL: ingest.config.MONGO_URL,
    QUEUE_PREFIX: ingest.config.QUEUE_PREFIX,
    PARTITIONS: String(ingest.config.PARTITIONS),
    METRICS_PORT: '0',
    LOG_LEVEL: 'silent',
    ...env,
  });
  return startWorker(config, pino({ level: 'silent' }));
}

/** A group's decoded state, or undefined if it does not exist yet. */
export async function readGroup(
  ingest: TestIngest,
  groupType: string,
  groupValue: string,
  project = ingest.projectId,
): Promise<{ properties: JsonObject; version: number } | undefined> {
  const group = await ingest.store.groups.view({
    project,
    group_type: groupType,
    group_value: groupValue,
  });
  return group === undefined ? undefined : { properties: group.properties, version: group.version };
}

/** Waits until the group reaches `version` (all its identifications applied); returns it. */
export async function waitForVersion(
  ingest: TestIngest,
  groupType: string,
  groupValue: string,
  version: number,
  timeoutMs = 20_000,
): Promise<{ properties: JsonObject; version: number }> {
  return pollUntil(
    async () => {
      const group = await readGroup(ingest, groupType, groupValue);
      return group !== undefined && group.version >= version ? group : undefined;
    },
    { timeoutMs, description: `group ${groupType}/${groupValue} at version ${version}` },
  );
}

/**
 * An in-process ingest and worker for the calling test file, started before its tests and
 * closed after them. Read them through the returned getters inside tests.
 */
export function useIngestAndWorker(
  ingestEnv: Record<string, string> = {},
  workerEnv: Record<string, string> = {},
): { ingest: () => TestIngest; worker: () => WorkerService } {
  let ingest: TestIngest | undefined;
  let worker: WorkerService | undefined;
  beforeAll(async () => {
    ingest = await startTestIngest(ingestEnv);
    worker = await startTestWorker(ingest, workerEnv);
  });
  afterAll(async () => {
    await worker?.close();
    await ingest?.close();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('ingest and worker start in beforeAll');
    return value;
  };
  return { ingest: () => started(ingest), worker: () => started(worker) };
}
