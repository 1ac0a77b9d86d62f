import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, pollUntil, redisPing } from '@groupidentify/local-services';

const run = promisify(execFile);

/** One master of a local Redis Cluster. */
export interface ClusterNode {
  port: number;
  /** Port of the cluster bus (node-to-node gossip), set explicitly: `port + 10000` may not exist. */
  busPort: number;
  logFile: string;
}

export interface RedisClusterHandle {
  /** `127.0.0.1:P1,127.0.0.1:P2,…`: the value of `REDIS_CLUSTER_NODES`. */
  nodes: string;
  masters: readonly ClusterNode[];
  dir: string;
  /** Runs `redis-cli -p <port> <args>` against one node; returns its stdout. */
  cli(port: number, ...args: string[]): Promise<string>;
  /** Kills every node and removes the temp dir. */
  stop(): Promise<void>;
}

/**
 * Starts a local Redis Cluster of `masters` masters and no replicas: `redis-server` processes in
 * cluster mode on free loopback ports, with the shipped durability config (docs/guarantees.md), joined by
 * `redis-cli --cluster create`. Resolves once every node reports `cluster_state:ok`.
 */
export async function startRedisCluster(masters = 3): Promise<RedisClusterHandle> {
  const dir = mkdtempSync(join(tmpdir(), 'groupidentify-cluster-'));
  const children: ChildProcess[] = [];
  const nodes: ClusterNode[] = [];
  const killAll = (): void => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  };
  process.once('exit', killAll);
  const stop = async (): Promise<void> => {
    await Promise.all(
      children.map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        await exited;
      }),
    );
    process.off('exit', killAll);
    rmSync(dir, { recursive: true, force: true });
  };
  const cli = async (port: number, ...args: string[]): Promise<string> =>
    (await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args])).stdout;

  try {
    // freePort() can hand out one port twice (it is free again once probed): keep them distinct.
    const ports = new Set<number>();
    while (ports.size < 2 * masters) ports.add(await freePort());
    const [...picked] = ports;
    for (let i = 0; i < masters; i++) {
      const port = picked[2 * i] as number;
      const busPort = picked[2 * i + 1] as number;
      const logFile = join(dir, `redis-${port}.log`);
      const fd = openSync(logFile, 'a');
      try {
        children.push(
          spawn(
            'redis-server',
            [
              ...['--port', String(port), '--bind', '127.0.0.1', '--dir', dir],
              ...['--cluster-enabled', 'yes', '--cluster-port', String(busPort)],
              ...['--cluster-config-file', join(dir, `nodes-${port}.conf`)],
              ...['--appendonly', 'yes', '--appendfsync', 'everysec'],
              ...['--appendfilename', `appendonly-${port}.aof`],
              ...['--appenddirname', `aof-${port}`, '--save', ''],
              ...['--maxmemory-policy', 'noeviction', '--daemonize', 'no'],
            ],
            { stdio: ['ignore', fd, fd] },
          ),
        );
      } finally {
        closeSync(fd);
      }
      nodes.push({ port, busPort, logFile });
    }
    await Promise.all(
      nodes.map((node, i) =>
        pollUntil(() => redisPing(node.port), {
          timeoutMs: 15_000,
          description: `cluster node on port ${node.port} to answer PING`,
          abortIf: () => {
            const child = children[i];
            return child?.exitCode === null && child.signalCode === null
              ? undefined
              : new Error(`redis-server died:\n${readFileSync(node.logFile, 'utf8')}`);
          },
        }),
      ),
    );
    await run('redis-cli', [
      '--cluster',
      'create',
      ...nodes.map((n) => `127.0.0.1:${n.port}`),
      ...['--cluster-replicas', '0', '--cluster-yes'],
    ]);
    for (const node of nodes) {
      await pollUntil(
        async () => (await cli(node.port, 'CLUSTER', 'INFO')).includes('cluster_state:ok'),
        {
          timeoutMs: 20_000,
          intervalMs: 100,
          description: `cluster_state:ok on port ${node.port}`,
        },
      );
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    nodes: nodes.map((n) => `127.0.0.1:${n.port}`).join(','),
    masters: nodes,
    dir,
    cli,
    stop,
  };
}
