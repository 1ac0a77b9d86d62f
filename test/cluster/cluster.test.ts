import { randomUUID } from 'node:crypto';
import { Cluster } from 'ioredis';
import { MongoClient } from 'mongodb';
import type { JsonObject } from '@groupidentify/ops';
import { openPartitionQueue, partitionOf, partitionPrefix } from '@groupidentify/queue-contract';
import { openStore, type Store } from '@groupidentify/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@groupidentify/local-services';
import { spawnApp, type AppProcess } from '../helpers/app-process.js';
import { withDatabase } from '../helpers/ingest.js';
import { parsePrometheus, sumOf } from '../helpers/prometheus.js';
import { startRedisCluster, type RedisClusterHandle } from '../helpers/redis-cluster.js';
import { mongoUrl, pollUntil, uniqueName } from '../helpers/services.js';
import { collectionsOf } from '@groupidentify/store/testing';

// docs/operations.md#scaling: the apps run unchanged on a Redis Cluster (REDIS_CLUSTER_NODES), with
// several ingest and worker processes at once, and docs/guarantees.md (per-group order, exactly-once)
// holds across a worker SIGKILL. Everything is a real process on 127.0.0.1.

const PARTITIONS = 16;
// Sized for FerretDB on a small shared machine (a few hundred applied identifications a second at
// best): enough groups per partition that jobs carry several items, enough rounds per group that
// each group's stream crosses both ingest processes many times and spans the worker kill.
const GROUPS = 48;
const ROUNDS = 12;
const TYPE = 'org';

type Exit = Awaited<AppProcess['exited']>;

interface Running extends AppProcess {
  exit(): Exit | undefined;
}

function track(child: AppProcess): Running {
  let exit: Exit | undefined;
  void child.exited.then((e) => (exit = e));
  return Object.assign(child, { exit: () => exit });
}

/** Waits until `child` has logged `line` (it logs JSON at `info`); fails at once if it exits. */
async function logged(child: Running, line: string, what: string): Promise<void> {
  await pollUntil(() => child.output().includes(line), {
    timeoutMs: 30_000,
    description: what,
    abortIf: () => {
      const exit = child.exit();
      return exit && new Error(`${what}: exited ${JSON.stringify(exit)}:\n${child.output()}`);
    },
  });
}

let cluster: RedisClusterHandle | undefined;
let inspector: Cluster | undefined;
let mongo: MongoClient | undefined;
let store: Store | undefined;
const children: Running[] = [];
const cleanups: (() => Promise<unknown>)[] = [];

afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await Promise.all(
    children.map(async (c) => {
      if (c.exit() === undefined) c.kill('SIGKILL');
      await c.exited;
    }),
  );
  inspector?.disconnect();
  await mongo?.db().dropDatabase();
  await mongo?.close();
  await store?.close();
  await cluster?.stop();
});

beforeAll(async () => {
  cluster = await startRedisCluster(3);
  inspector = new Cluster(
    cluster.nodes.split(',').map((n) => ({ host: '127.0.0.1', port: Number(n.split(':')[1]) })),
    { redisOptions: { maxRetriesPerRequest: null } },
  );
  await new Promise<void>((resolve, reject) => {
    inspector?.once('ready', resolve);
    inspector?.once('error', reject);
  });
});

/** Slot ranges → the port of the master that owns them (from `CLUSTER SLOTS`). */
async function slotOwners(redis: Cluster): Promise<(slot: number) => number> {
  const ranges = (await redis.call('CLUSTER', 'SLOTS')) as [number, number, [string, number]][];
  return (slot) => {
    const range = ranges.find(([from, to]) => slot >= from && slot <= to);
    if (range === undefined) throw new Error(`slot ${slot} has no owner`);
    return range[2][1];
  };
}

async function keyslot(redis: Cluster, key: string): Promise<number> {
  return Number(await redis.call('CLUSTER', 'KEYSLOT', key));
}

async function readGroup(store: Store, project: string, value: string) {
  const group = await store.groups.view({ project, group_type: TYPE, group_value: value });
  return group === undefined ? undefined : { properties: group.properties, version: group.version };
}

describe('Redis Cluster, 2 ingest and 3 worker processes', () => {
  it('the default prefix spreads 16 partitions over all 3 masters', async () => {
    const redis = inspector as Cluster;
    const owner = await slotOwners(redis);
    const owners = new Set<number>();
    for (let p = 0; p < PARTITIONS; p++)
      owners.add(owner(await keyslot(redis, partitionPrefix('gi', p))));
    expect(owners.size).toBe(3);
  });

  it(
    'keeps per-group order and exactly-once across ingest processes and a worker SIGKILL',
    { timeout: 120_000 },
    async () => {
      const redis = inspector as Cluster;
      const handle = cluster as RedisClusterHandle;
      const prefix = uniqueName('gi');
      const mongoDbUrl = withDatabase(mongoUrl(), uniqueName('cluster'));
      mongo = await MongoClient.connect(mongoDbUrl);
      const raw = collectionsOf(mongo.db());
      const opened = await openStore(mongoDbUrl);
      store = opened;
      const project = await opened.projects.create('cluster test');
      const env = {
        REDIS_CLUSTER_NODES: handle.nodes,
        MONGO_URL: mongoDbUrl,
        QUEUE_PREFIX: prefix,
        PARTITIONS: String(PARTITIONS),
        LOG_LEVEL: 'info',
        FLUSH_LINGER_MS: '10',
      };

      // The partition queues, read through the cluster as the apps read them.
      const queues = Array.from({ length: PARTITIONS }, (_, p) =>
        openPartitionQueue(redis, prefix, p),
      );
      cleanups.push(() => Promise.all(queues.map((q) => q.close())));
      const jobCounts = async () => {
        const all = await Promise.all(
          queues.map((q) => q.getJobCounts('wait', 'active', 'delayed', 'failed')),
        );
        const sum = (k: string) => all.reduce((n, c) => n + (c[k] ?? 0), 0);
        return {
          pending: sum('wait') + sum('active') + sum('delayed'),
          active: sum('active'),
          failed: sum('failed'),
        };
      };

      const ports = [await freePort(), await freePort()];
      while (ports[1] === ports[0]) ports[1] = await freePort();
      const metricsPorts = [await freePort(), await freePort()];
      const ingests = ports.map((port, i) =>
        track(
          spawnApp('ingest', {
            ...env,
            PORT: String(port),
            METRICS_PORT: String(metricsPorts[i]),
            HOST: '127.0.0.1',
          }),
        ),
      );
      children.push(...ingests);
      const workerEnv = { ...env, LOCK_DURATION_MS: '2000', METRICS_PORT: '0' };
      const startWorker = (): Running => {
        const w = track(spawnApp('worker', workerEnv));
        children.push(w);
        return w;
      };
      const workers = [startWorker(), startWorker(), startWorker()];
      await Promise.all([
        ...ingests.map((c, i) => logged(c, '"ingest listening"', `ingest ${i} to listen`)),
        ...workers.map((w, i) => logged(w, '"worker started"', `worker ${i} to start`)),
      ]);

      // One sequential client per group; request n goes to ingest n % 2 (shifted per group), so
      // each group's stream alternates between the two processes and its order rests on Redis.
      const groups: string[] = Array.from({ length: GROUPS }, () => randomUUID());
      const accepted = new Map(groups.map((g) => [g, 0]));
      const refused: string[] = [];
      let total = 0;
      const sendAll = async (group: string, g: number): Promise<void> => {
        for (let n = 0; n < ROUNDS; n++) {
          const port = ports[(n + g) % 2] as number;
          const identification = {
            group_type: TYPE,
            group_value: group,
            group_properties: { $add: { count: 1 }, $append: { trail: n } },
          };
          const res = await fetch(`http://127.0.0.1:${port}/groupidentify`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ api_key: project.api_key, identification }),
            signal: AbortSignal.timeout(10_000),
          });
          const text = await res.text();
          if (res.status !== 200) {
            refused.push(`${group} #${n} → ${port}: ${res.status} ${text}`);
            return;
          }
          accepted.set(group, n + 1);
          total++;
        }
      };
      let loadDone = false;
      const t0 = Date.now();
      const load = Promise.all(groups.map(sendAll)).finally(() => (loadDone = true));

      // SIGKILL one worker a third of the way in (while it holds jobs), start a replacement.
      await pollUntil(() => total >= (GROUPS * ROUNDS) / 3 || loadDone, {
        timeoutMs: 30_000,
        description: 'a third of the load to be accepted',
      });
      const activeAtKill = (await jobCounts()).active;
      const victim = workers[1] as Running;
      victim.kill('SIGKILL');
      expect(await victim.exited).toStrictEqual({ code: null, signal: 'SIGKILL' });
      const killedAt = total;
      const killMs = Date.now() - t0;
      const replacement = startWorker();
      await logged(replacement, '"worker started"', 'replacement worker to start');
      await load;
      const loadMs = Date.now() - t0;
      expect(refused).toStrictEqual([]);
      expect(killedAt, 'the kill happened mid-load').toBeLessThan(GROUPS * ROUNDS);
      expect(activeAtKill, 'jobs in hand at the kill').toBeGreaterThan(0);

      // Every accepted identification applied once, in order.
      const behind = async () => {
        for (const g of groups) {
          const state = await readGroup(opened, project.id, g);
          if ((state?.version ?? 0) < (accepted.get(g) ?? 0)) return `${g} at ${state?.version}`;
        }
        return undefined;
      };
      try {
        await pollUntil(async () => (await behind()) === undefined, {
          timeoutMs: 60_000,
          intervalMs: 100,
          description: 'every accepted identification to be applied',
        });
      } catch (error) {
        const problems = children.map(
          (c) =>
            `--- pid ${c.pid} ${JSON.stringify(c.exit())}\n` +
            c
              .output()
              .split('\n')
              .filter((l) => !l.includes('"level":30'))
              .slice(-15)
              .join('\n'),
        );
        const counts = await Promise.all(
          queues.map(
            async (q, p) =>
              `p${p} ${JSON.stringify(await q.getJobCounts('wait', 'active', 'failed'))}`,
          ),
        );
        throw new Error(`behind: ${await behind()}\n${counts.join('\n')}\n${problems.join('\n')}`, {
          cause: error,
        });
      }
      console.info(
        `cluster test: ${total} accepted via 2 ingest processes in ${loadMs} ms; worker SIGKILLed ` +
          `after ${killedAt} (${killMs} ms, ${activeAtKill} jobs active); all applied after ` +
          `${Date.now() - t0} ms`,
      );
      for (const g of groups) {
        const n = accepted.get(g) ?? 0;
        expect(n).toBe(ROUNDS);
        const expected: { properties: JsonObject; version: number } = {
          properties: { count: n, trail: Array.from({ length: n }, (_, i) => i) },
          version: n,
        };
        expect(await readGroup(opened, project.id, g), g).toStrictEqual(expected);
      }
      expect(await raw.deadLetters.countDocuments({})).toBe(0);
      expect(await raw.history.countDocuments({})).toBe(GROUPS * ROUNDS);

      // Both ingest processes took part: their accepted counters add up to the total.
      const acceptedBy = await Promise.all(
        metricsPorts.map(async (port) => {
          const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
          return sumOf(parsePrometheus(text), 'gi_identifications_accepted_total');
        }),
      );
      expect(acceptedBy.every((n) => n > 0)).toBe(true);
      expect(acceptedBy.reduce((a, b) => a + b, 0)).toBe(GROUPS * ROUNDS);

      // The queues are drained and nothing failed.
      const counts = await pollUntil(
        async () => {
          const c = await jobCounts();
          return c.pending === 0 ? c : undefined;
        },
        { timeoutMs: 15_000, intervalMs: 100, description: 'the partition queues to drain' },
      );
      expect(counts.failed).toBe(0);

      // Each partition's keys share one slot, on the master that owns it; the load's
      // partitions span more than one master.
      const owner = await slotOwners(redis);
      const slotsOf = new Map<string, Set<number>>();
      const mastersWithKeys = new Set<number>();
      for (const node of redis.nodes('master')) {
        let cursor = '0';
        do {
          const [next, keys] = await node.scan(cursor, 'MATCH', `{${prefix}:*`, 'COUNT', 1000);
          cursor = next;
          for (const key of keys) {
            const tag = key.slice(0, key.indexOf('}') + 1);
            const slot = await keyslot(redis, key);
            expect(owner(slot), key).toBe(node.options.port);
            mastersWithKeys.add(node.options.port as number);
            slotsOf.set(tag, (slotsOf.get(tag) ?? new Set()).add(slot));
          }
        } while (cursor !== '0');
      }
      const used = new Set(
        groups.map((g) =>
          partitionPrefix(
            prefix,
            partitionOf({ project: project.id, group_type: TYPE, group_value: g }, PARTITIONS),
          ),
        ),
      );
      for (const tag of used) expect(slotsOf.get(tag)?.size, tag).toBe(1);
      const expectedMasters = new Set<number>();
      for (const tag of used) expectedMasters.add(owner(await keyslot(redis, tag)));
      expect(mastersWithKeys).toStrictEqual(expectedMasters);
      expect(mastersWithKeys.size).toBeGreaterThan(1);

      // Graceful stop of everything still running (docs/operations.md): exit 0 on SIGTERM.
      const live = children.filter((c) => c.exit() === undefined);
      expect(live).toHaveLength(5);
      for (const c of live) c.kill('SIGTERM');
      for (const c of live)
        expect(await c.exited, c.output().slice(-2000)).toStrictEqual({ code: 0, signal: null });
    },
  );
});
