import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { APP_COMMAND } from '../../scripts/stack/app-process.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** `docker compose` when the plugin is there, else the Docker Compose v2 that setup.sh built. */
function composeCommand(): string[] {
  try {
    execFileSync('docker', ['compose', 'version'], { stdio: 'ignore' });
    return ['docker', 'compose'];
  } catch {
    const tools = process.env['GROUPIDENTIFY_TOOLS'] ?? join(homedir(), '.cache/groupidentify/bin');
    const bin = join(tools, 'docker-compose-v2.29.7');
    if (!existsSync(bin)) throw new Error(`no docker compose: run npm run setup (expected ${bin})`);
    return [bin];
  }
}

interface ComposeService {
  image?: string;
  command?: string[];
  healthcheck?: unknown;
  depends_on?: Record<string, { condition: string }>;
  environment?: Record<string, string>;
}

describe('docker-compose.yml (validated by `docker compose config`)', () => {
  const [command = 'docker', ...args] = composeCommand();
  const json = execFileSync(
    command,
    [...args, '-f', 'docker-compose.yml', 'config', '--format', 'json'],
    {
      cwd: ROOT,
      encoding: 'utf8',
    },
  );
  const services = (JSON.parse(json) as { services: Record<string, ComposeService> }).services;

  it('has MongoDB as a single-node replica set with a healthcheck', () => {
    expect(services['mongo']?.command).toEqual(expect.arrayContaining(['--replSet']));
    expect(services['mongo']?.healthcheck).toBeDefined();
  });

  it('runs Redis with the durability settings of docs/guarantees.md', () => {
    const redis = services['redis']?.command?.join(' ') ?? '';
    expect(redis).toContain('--appendonly yes');
    expect(redis).toContain('--appendfsync everysec');
    expect(redis).toContain('--maxmemory-policy noeviction');
  });

  it('bounds Redis memory, so that a full Redis refuses writes (503) instead of being killed', () => {
    const args = services['redis']?.command ?? [];
    const maxmemory = args[args.indexOf('--maxmemory') + 1] ?? '';
    expect(args).toContain('--maxmemory');
    expect(maxmemory).toMatch(/^[1-9]\d*(b|kb|mb|gb)?$/i);
  });

  it('protects Redis with a password that every app’s REDIS_URL carries', () => {
    const args = services['redis']?.command ?? [];
    expect(args).toContain('--requirepass');
    const password = args[args.indexOf('--requirepass') + 1] ?? '';
    expect(password.length).toBeGreaterThanOrEqual(16);
    for (const [name, service] of Object.entries(services)) {
      const url = service.environment?.['REDIS_URL'];
      if (url === undefined) continue;
      expect(decodeURIComponent(new URL(url).password), name).toBe(password);
    }
    // The healthcheck signs in too (else it would report NOAUTH as healthy or never healthy).
    expect(services['redis']?.environment?.['REDIS_PASSWORD']).toBe(password);
  });

  it('puts ingest’s /metrics on its own port, not the one the balancer publishes', () => {
    expect(services['ingest']?.environment?.['METRICS_PORT']).toBe('9465');
    expect(services['ingest']?.environment?.['PORT']).toBe('8080');
  });

  it('wires ingest and worker to them by environment, after they are healthy', () => {
    for (const name of ['ingest', 'worker']) {
      const service = services[name];
      expect(service?.environment?.['REDIS_URL']).toMatch(/^redis:\/\/:[^@]+@redis:6379$/);
      expect(service?.environment?.['MONGO_URL']).toMatch(
        /^mongodb:\/\/mongo:27017\/.*replicaSet=rs0/,
      );
      expect(service?.depends_on?.['mongo']?.condition).toBe('service_healthy');
      expect(service?.depends_on?.['redis']?.condition).toBe('service_healthy');
    }
  });

  it('runs each app as npm run stack does: the same node flags and entry point', () => {
    for (const name of ['ingest', 'worker'] as const)
      expect(services[name]?.command).toStrictEqual(['node', ...APP_COMMAND[name]]);
    const cmd = /^CMD (\[.*\])$/m.exec(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'))?.[1];
    expect(JSON.parse(cmd ?? '[]')).toStrictEqual(['node', ...APP_COMMAND.ingest]);
  });

  it('builds a multi-stage image on a current Node LTS that runs as non-root', () => {
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    expect(dockerfile.match(/^FROM node:(\d+)/gm)?.length).toBeGreaterThanOrEqual(2);
    expect(Number(/^FROM node:(\d+)/m.exec(dockerfile)?.[1])).toBeGreaterThanOrEqual(22);
    expect(dockerfile).toMatch(/^USER node$/m);
  });
});
