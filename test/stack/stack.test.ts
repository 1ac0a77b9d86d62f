import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { getPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { MongoClient } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { freePort, isPortInUse, pollUntil } from '@groupidentify/local-services';
import { openPartitionQueue } from '@groupidentify/queue-contract';
import { withDatabase } from '../helpers/ingest.js';
import { mongoUrl, redisUrl, uniqueName } from '../helpers/services.js';
import { cliJson } from '../cli/cli-process.js';
import { demoGroupRead, runCurl, waitForGroup } from './read-back.js';
import { startRedisCluster } from '../helpers/redis-cluster.js';
import { appProcesses, parseBanner, spawnStack, type StackProcess } from './stack-process.js';
import { deferCleanups } from '../helpers/cleanups.js';

const PARTITIONS = 16; // the stack's default
const STOP_PROMPTLY_MS = 15_000;

// Everything a test started, undone after it even when it fails.
const defer = deferCleanups('each');

function started(stack: StackProcess): StackProcess {
  defer(() => stack.stop());
  return stack;
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'groupidentify-stack-'));
  defer(() => rmSync(dir, { recursive: true, force: true, maxRetries: 3 }));
  return dir;
}

/** Drops the database and the partition queues a stack run used. */
function cleanStore(redis: string, mongo: string, prefix: string): void {
  defer(async () => {
    const client = await MongoClient.connect(mongo);
    await client.db().dropDatabase();
    await client.close();
    const connection = new Redis(redis, { maxRetriesPerRequest: null });
    for (let p = 0; p < PARTITIONS; p++) {
      const queue = openPartitionQueue(connection, prefix, p);
      await queue.obliterate({ force: true });
      await queue.close();
    }
    connection.disconnect();
  });
}

/** SIGTERM, as a supervisor or `kill` sends it; the stack must exit 0 well within docs/operations.md's 30 s. */
async function stopGracefully(stack: StackProcess): Promise<void> {
  const before = Date.now();
  stack.signal('SIGTERM');
  const exit = await stack.exited;
  expect(Date.now() - before).toBeLessThan(STOP_PROMPTLY_MS);
  expect(exit, stack.output()).toEqual({ code: 0, signal: null });
  expect(stack.output()).toMatch(/^stack: stopped$/m);
}

const isRunning = (pid: number): boolean => existsSync(`/proc/${pid}`);

const identify = (apiKey: string, type: string, value: string, properties: object) =>
  new URLSearchParams({
    api_key: apiKey,
    identification: JSON.stringify([
      { group_type: type, group_value: value, group_properties: properties },
    ]),
  });

describe('npm run stack', () => {
  it('with REDIS_URL/MONGO_URL: printed curl, CLI project, ingest, read back, SIGTERM', async () => {
    const port = await freePort();
    const env = {
      REDIS_URL: redisUrl(),
      MONGO_URL: withDatabase(mongoUrl(), uniqueName('stack')),
      QUEUE_PREFIX: uniqueName('stack'),
      PARTITIONS: String(PARTITIONS),
    };
    cleanStore(env.REDIS_URL, env.MONGO_URL, env.QUEUE_PREFIX);
    const stack = started(
      spawnStack({ ...env, PORT: String(port), STACK_DIR: tempDir(), STACK_WORKER_NICE: '10' }),
    );
    await stack.waitFor(/^stack: ready$/m);
    const output = stack.output();
    expect(output).toMatch(/^stack: redis: using REDIS_URL/m);
    expect(output).toMatch(/^stack: mongo: using MONGO_URL/m);
    // The production layout: ingest and the worker each in a process of its own, running the
    // compiled apps, children of the stack.
    const apps = appProcesses(output);
    expect(apps.map((a) => a.label).sort()).toEqual(['ingest', 'worker']);
    for (const app of apps) {
      expect(app.cmdline).toContain(`apps/${app.label}/dist/main.js`);
      expect(app.parentCmdline).toContain('scripts/stack/run-stack.ts');
    }
    expect(new Set(apps.map((a) => a.pid)).size).toBe(2);
    // STACK_WORKER_NICE: the worker gives way to ingest for the CPU, every thread of it; ingest
    // runs at the stack's own priority (this test's: `nice` adds to it).
    const nices = Object.fromEntries(apps.map((a) => [a.label, [...new Set(a.threadNices)]]));
    const own = getPriority();
    expect(nices).toEqual({ ingest: [own], worker: [Math.min(19, own + 10)] });
    const banner = parseBanner(output);
    const base = `http://127.0.0.1:${port}`;
    expect(banner.ingestCurl.at(-1)).toBe(`${base}/groupidentify`);
    expect(banner.readUrl).toBe(`${base}/api/groups/org/Acme`);

    // Each process's metrics, as printed: on ports of their own, not the public one.
    const printed = [...output.matchAll(/^\s+(ingest|worker):\s+(http:\/\/\S+\/metrics)$/gm)];
    expect(printed.map((m) => m[1]).sort()).toEqual(['ingest', 'worker']);
    for (const [, label, url] of printed) {
      expect(url, label).not.toContain(`:${port}/`);
      const scraped = await fetch(url ?? '');
      const metric =
        label === 'ingest' ? 'gi_identifications_accepted_total' : 'gi_worker_jobs_total';
      expect(await scraped.text(), label).toContain(`# TYPE ${metric} counter`);
    }

    // The demo: exactly what the stack printed.
    expect(await runCurl(banner.ingestCurl)).toBe('success');
    const demo = await waitForGroup(demoGroupRead(banner, base, env.MONGO_URL));
    if (demo.via === 'mongo') console.warn('read API not there yet: read back from MongoDB');
    expect(demo.group.properties).toEqual({ plan: 'enterprise' });

    // A project of one's own, made with the CLI against the running stack.
    const keys = (await cliJson(['project', 'create', '--name', 'e2e'], env)) as {
      id: string;
      api_key: string;
      secret_key: string;
    };
    for (const properties of [{ $set: { seats: 10 } }, { $add: { seats: 5 } }]) {
      const res = await fetch(`${base}/groupidentify`, {
        method: 'POST',
        body: identify(keys.api_key, 'org', 'Globex', properties),
      });
      expect(await res.text()).toBe('success');
    }
    const globex = await waitForGroup({
      baseUrl: base,
      apiKey: keys.api_key,
      secretKey: keys.secret_key,
      mongoUrl: env.MONGO_URL,
      project: keys.id,
      groupType: 'org',
      groupValue: 'Globex',
      version: 2,
    });
    expect(globex.group).toMatchObject({ properties: { seats: 15 }, version: 2 });
    const viaCli = await cliJson(
      ['groups', 'get', 'org', 'Globex', '--project', keys.id, '--json'],
      env,
    );
    expect(viaCli).toMatchObject({ properties: { seats: 15 }, version: 2 });

    await stopGracefully(stack);
    expect(stack.output()).toMatch(
      /^stack: ingest: stopping[^\n]*\n(.*\n)*stack: worker: stopping/m,
    );
    for (const app of apps) expect(isRunning(app.pid)).toBe(false);
    expect(await isPortInUse(port)).toBe(false);
    // Given servers are the user's: still up.
    const redis = new Redis(env.REDIS_URL);
    defer(() => redis.disconnect());
    expect(await redis.ping()).toBe('PONG');
  });

  it('restarts an app that dies; a killed stack leaves no app running', async () => {
    const env = {
      REDIS_URL: redisUrl(),
      MONGO_URL: withDatabase(mongoUrl(), uniqueName('stack_restart')),
      QUEUE_PREFIX: uniqueName('restart'),
      PARTITIONS: String(PARTITIONS),
    };
    cleanStore(env.REDIS_URL, env.MONGO_URL, env.QUEUE_PREFIX);
    const port = await freePort();
    const stack = started(
      spawnStack({ ...env, PORT: String(port), STACK_DIR: tempDir(), STACK_WORKER_NICE: '5' }),
    );
    await stack.waitFor(/^stack: ready$/m);
    const worker = appProcesses(stack.output()).find((a) => a.label === 'worker');
    if (worker === undefined) throw new Error(`no worker in:\n${stack.output()}`);
    process.kill(worker.pid, 'SIGKILL');
    await stack.waitFor(/^stack: worker exited unexpectedly \(signal SIGKILL\); restarting it/m);
    const [, again] = await stack.waitFor(/^stack: worker: running again \(pid (\d+)\)$/m);
    expect(Number(again)).not.toBe(worker.pid);
    // Restarted through `nice` too (STACK_WORKER_NICE).
    const restarted = appProcesses(stack.output(), { latest: true }).find(
      (a) => a.label === 'worker',
    );
    expect(new Set(restarted?.threadNices)).toStrictEqual(
      new Set([Math.min(19, getPriority() + 5)]),
    );

    // The new worker applies what is sent now.
    const banner = parseBanner(stack.output());
    const base = `http://127.0.0.1:${port}`;
    expect(await runCurl(banner.ingestCurl)).toBe('success');
    expect((await waitForGroup(demoGroupRead(banner, base, env.MONGO_URL))).group).toMatchObject({
      properties: { plan: 'enterprise' },
    });

    // SIGKILL the stack itself: it cannot stop its apps, which stop on their own when it is gone.
    const now = appProcesses(stack.output(), { latest: true });
    const stackPid = now[0]?.parentPid;
    if (stackPid === undefined) throw new Error('no app processes');
    process.kill(stackPid, 'SIGKILL');
    await stack.exited;
    await pollUntil(() => now.every((a) => !isRunning(a.pid)), {
      timeoutMs: STOP_PROMPTLY_MS,
      description: 'the apps of a killed stack to exit',
    });
    expect(await isPortInUse(port)).toBe(false);
  });

  it('starts its own Redis and MongoDB on STACK_*_PORT, keeps data and demo keys, stops them', async () => {
    const [port, redisPort, mongoPort] = [await freePort(), await freePort(), await freePort()];
    const dir = tempDir();
    const env = {
      PORT: String(port),
      STACK_REDIS_PORT: String(redisPort),
      STACK_MONGO_PORT: String(mongoPort),
      STACK_DIR: dir,
      QUEUE_PREFIX: uniqueName('own'),
    };
    const first = started(spawnStack(env));
    await first.waitFor(/^stack: ready$/m);
    expect(first.output()).toContain(
      `starting redis-server on 127.0.0.1:${redisPort} (data in ${join(dir, 'redis')})`,
    );
    expect(first.output()).toContain(`starting a MongoDB wire server on 127.0.0.1:${mongoPort}`);
    expect(first.output()).toMatch(/^stack: demo project: creating one \(first run\)/m);
    const banner = parseBanner(first.output());
    expect(JSON.parse(readFileSync(join(dir, 'demo-project.json'), 'utf8'))).toMatchObject({
      id: banner.projectId,
      api_key: banner.apiKey,
      secret_key: banner.secretKey,
    });
    expect(await runCurl(banner.ingestCurl)).toBe('success');
    const read = demoGroupRead(
      banner,
      `http://127.0.0.1:${port}`,
      `mongodb://127.0.0.1:${mongoPort}/groupidentify`,
    );
    expect((await waitForGroup(read)).group.properties).toEqual({ plan: 'enterprise' });
    await stopGracefully(first);
    expect(first.output()).toMatch(/^stack: mongo: stopping the server the stack started/m);
    for (const p of [port, redisPort, mongoPort]) expect(await isPortInUse(p)).toBe(false);

    // Second run: same servers' data, same demo project and keys.
    const second = started(spawnStack(env));
    await second.waitFor(/^stack: ready$/m);
    expect(second.output()).toContain(`demo project: reusing ${banner.projectId}`);
    expect(parseBanner(second.output())).toEqual(banner);
    expect((await waitForGroup(read)).group).toMatchObject({ version: 1 });
    await stopGracefully(second);
    for (const p of [port, redisPort, mongoPort]) expect(await isPortInUse(p)).toBe(false);
  });

  // Only against the servers test/global-setup.ts started for this run (a temp dir): pointed at
  // REDIS_URL/MONGO_URL given from outside, the stack would use their `groupidentify` database.
  it.skipIf(Boolean(process.env['REDIS_URL'] || process.env['MONGO_URL']))(
    'reuses servers already answering on its ports and leaves them running',
    async () => {
      const redisPort = new URL(redisUrl()).port;
      const mongoPort = new URL(mongoUrl()).port;
      const prefix = uniqueName('reuse');
      cleanStore(redisUrl(), withDatabase(mongoUrl(), 'groupidentify'), prefix);
      const port = await freePort();
      const stack = started(
        spawnStack({
          PORT: String(port),
          STACK_REDIS_PORT: redisPort,
          STACK_MONGO_PORT: mongoPort,
          STACK_DIR: tempDir(),
          QUEUE_PREFIX: prefix,
        }),
      );
      await stack.waitFor(/^stack: ready$/m);
      expect(stack.output()).toContain(
        `redis: reusing the server already answering on 127.0.0.1:${redisPort}`,
      );
      expect(stack.output()).toContain(
        `mongo: reusing the server already answering on 127.0.0.1:${mongoPort}`,
      );
      await stopGracefully(stack);
      expect(stack.output()).not.toMatch(/stopping the server the stack started/);
      expect(await isPortInUse(Number(redisPort))).toBe(true);
      expect(await isPortInUse(Number(mongoPort))).toBe(true);
    },
  );

  it('with REDIS_CLUSTER_NODES: runs on that Redis Cluster', async () => {
    const cluster = await startRedisCluster(3);
    defer(() => cluster.stop());
    const env = {
      REDIS_CLUSTER_NODES: cluster.nodes,
      MONGO_URL: withDatabase(mongoUrl(), uniqueName('stack_cluster')),
      PORT: String(await freePort()),
      STACK_DIR: tempDir(),
    };
    defer(async () => {
      const client = await MongoClient.connect(env.MONGO_URL);
      await client.db().dropDatabase();
      await client.close();
    });
    const stack = started(spawnStack(env));
    await stack.waitFor(/^stack: ready$/m);
    expect(stack.output()).toMatch(/^stack: redis: using the Redis Cluster at /m);
    const banner = parseBanner(stack.output());
    expect(await runCurl(banner.ingestCurl)).toBe('success');
    const demo = await waitForGroup(
      demoGroupRead(banner, `http://127.0.0.1:${env.PORT}`, env.MONGO_URL),
    );
    expect(demo).toMatchObject({ via: 'api', group: { properties: { plan: 'enterprise' } } });
    await stopGracefully(stack);
  });
});
