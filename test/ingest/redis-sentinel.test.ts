import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort, redisPing, startRedis, type RedisServer } from '@groupidentify/local-services';
import type { WorkerService } from '@groupidentify/worker';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { send } from '../helpers/http.js';
import { startTestIngest, type TestIngest } from '../helpers/ingest.js';
import { pollUntil } from '../helpers/services.js';
import { startTestWorker, waitForVersion } from '../helpers/worker.js';

// REDIS_SENTINELS (docs/operations.md#configuration): ingest and the worker ask Redis Sentinel
// where the master is, and use that server, not REDIS_URL's. Here REDIS_URL is the test suite's
// shared Redis, and the sentinel names a Redis of the test's own: the jobs and the applied
// identification must go through the latter.
const dir = mkdtempSync(join(tmpdir(), 'groupidentify-sentinel-'));
let master: RedisServer;
let sentinel: ChildProcess;
let sentinels: string;
let ingest: TestIngest;
let worker: WorkerService;

beforeAll(async () => {
  master = await startRedis({ dir: join(dir, 'master') });
  const port = await freePort();
  const conf = join(dir, 'sentinel.conf');
  const masterPort = new URL(master.url).port;
  writeFileSync(
    conf,
    [
      `port ${port}`,
      'bind 127.0.0.1',
      `dir ${dir}`,
      `sentinel monitor groupidentify 127.0.0.1 ${masterPort} 1`,
      '',
    ].join('\n'),
  );
  sentinel = spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' });
  await pollUntil(async () => ((await redisPing(port)) ? true : undefined), {
    timeoutMs: 10_000,
    description: 'the sentinel answering',
  });
  sentinels = `127.0.0.1:${port}`;
  const where = { REDIS_SENTINELS: sentinels, REDIS_SENTINEL_MASTER: 'groupidentify' };
  ingest = await startTestIngest(where);
  worker = await startTestWorker(ingest, where);
}, 60_000);

afterAll(async () => {
  await worker.close();
  await ingest.close();
  sentinel.kill('SIGKILL');
  await master.stop();
  rmSync(dir, { recursive: true, force: true });
});

it("queues and applies through the master the sentinel names, not REDIS_URL's server", async () => {
  const reply = await send(ingest.url, {
    json: {
      api_key: ingest.apiKey,
      identification: { group_type: 'org', group_value: 'acme', group_properties: { plan: 'pro' } },
    },
  });
  expect(reply.status).toBe(200);
  await waitForVersion(ingest, 'org', 'acme', 1);
  const own = new Redis(master.url);
  const shared = new Redis(ingest.config.REDIS_URL);
  try {
    // Job id counters: the test helper's own queue objects on REDIS_URL write only `meta` there.
    const counters = `{${ingest.config.QUEUE_PREFIX}:*}:identify:id`;
    expect((await own.keys(counters)).length).toBeGreaterThan(0);
    expect(await shared.keys(counters)).toStrictEqual([]);
  } finally {
    own.disconnect();
    shared.disconnect();
  }
});
