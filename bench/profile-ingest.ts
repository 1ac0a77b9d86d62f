// CPU profile of the compiled ingest child under load:
// node --conditions=@groupidentify/source --import tsx bench/profile-ingest.ts [seconds] [ids/request] [bare]
// (defaults 10 s, 100 identifications per request; `bare` profiles the bare Express baseline
// under the same load instead, to compare). Starts its own Redis and store, runs the server with
// `node --cpu-prof` (no worker), loads it, and prints the top self-time entries of the profile,
// self time by package, and CPU time per request by whose work it is. Not part of `npm run bench`.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBare, startIngestChild } from './apps.js';
import { spreadBodies } from './bodies.js';
import { runEntry, type Cleanup } from './cleanup.js';
import { loadGroupIdentify } from './http-load.js';
import { step } from './log.js';
import { peakRssMb } from './proc-memory.js';
import { startToolSetup } from './tool-setup.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  startTime: number;
  endTime: number;
}

async function main(cleanup: Cleanup): Promise<void> {
  const seconds = Number(process.argv[2] ?? '10');
  const perRequest = Number(process.argv[3] ?? '100');
  const { services, mongoUrl, project } = await startToolSetup(cleanup, 'profile');
  const dir = mkdtempSync(join(tmpdir(), 'gi-ingest-prof-'));
  const profiling = ['--cpu-prof', `--cpu-prof-dir=${dir}`];
  const bare = process.argv[4] === 'bare';
  const server = bare
    ? await startBare(cleanup, profiling)
    : await startIngestChild(
        cleanup,
        { redisUrl: services.redisUrl, mongoUrl, queuePrefix: 'prof', maxBacklog: 1_000_000_000 },
        profiling,
      );
  const name = bare ? 'bare Express' : 'ingest';
  step(`${name} started: RSS ${peakRssMb(server.pid)?.toFixed(0) ?? '?'} MB before any load`);
  const bodies = spreadBodies(project.api_key, 'company', 6400 / perRequest, perRequest, 6400);
  const warm = await loadGroupIdentify(server.url, bodies, { connections: 32, seconds: 2 });
  step(`profiling ${name}: ${seconds} s of ${perRequest} identification(s)/request`);
  const r = await loadGroupIdentify(server.url, bodies, { connections: 32, seconds });
  const requests = warm.reqPerSec * 2 + r.reqPerSec * seconds;
  const rss = peakRssMb(server.pid);
  await server.stop();
  await cleanup.run();
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (file === undefined) throw new Error(`no .cpuprofile in ${dir}`);
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  for (const id of profile.samples) {
    const frame = byId.get(id)?.callFrame;
    const where = frame?.url.replace(/^.*\/node_modules\//, '').replace(/^.*\/work\/main\//, '');
    const key = `${frame?.functionName || '(anonymous)'} ${where ?? ''}:${frame?.lineNumber ?? ''}`;
    self.set(key, (self.get(key) ?? 0) + 1);
  }
  const total = profile.samples.length;
  const top = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 25);
  process.stdout.write(
    `${Math.round(r.reqPerSec)} req/s (${Math.round(r.reqPerSec * perRequest)} ids/s), ` +
      `peak RSS ${rss?.toFixed(0) ?? '?'} MB, ${total} samples, profile ${join(dir, file)}\n`,
  );
  for (const [key, count] of top)
    process.stdout.write(`${((100 * count) / total).toFixed(1).padStart(5)} %  ${key}\n`);
  process.stdout.write('\nself time by package (idle excluded):\n');
  const busy = profile.samples.filter((id) => byId.get(id)?.callFrame.functionName !== '(idle)');
  const byPackage = new Map<string, number>();
  for (const id of busy) {
    const where = packageOf(byId.get(id)?.callFrame);
    byPackage.set(where, (byPackage.get(where) ?? 0) + 1);
  }
  for (const [where, count] of [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 15))
    process.stdout.write(`${((100 * count) / busy.length).toFixed(1).padStart(5)} %  ${where}\n`);
  process.stdout.write(
    '\nCPU per request (µs of the main thread over the profile), by whose work it is:\n',
  );
  const usPerSample = (profile.endTime - profile.startTime) / total;
  const parents = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parents.set(c, n.id);
  const byOwner = new Map<string, number>();
  for (const id of busy) {
    const owner = ownerOf(id, byId, parents);
    byOwner.set(owner, (byOwner.get(owner) ?? 0) + 1);
  }
  for (const [owner, count] of [...byOwner].sort((a, b) => b[1] - a[1]))
    process.stdout.write(
      `${((count * usPerSample) / requests).toFixed(1).padStart(6)} µs  ${owner}\n`,
    );
  process.stdout.write(
    `${((busy.length * usPerSample) / requests).toFixed(1).padStart(6)} µs  in all (${Math.round(requests)} requests)\n`,
  );
}

const QUEUE =
  /node_modules\/(bullmq|ioredis|@ioredis|msgpackr|cluster-key-slot|denque|redis-errors|redis-parser|standard-as-callback|lodash)\//;

/**
 * Whose work a sample is: the innermost frame of its stack outside Node's own code decides (a
 * socket write under ioredis is the queue's, under Express's `res.send` the HTTP stack's).
 */
function ownerOf(
  id: number,
  byId: ReadonlyMap<number, ProfileNode>,
  parents: ReadonlyMap<number, number>,
): string {
  const leaf = byId.get(id)?.callFrame.functionName;
  if (leaf === '(garbage collector)') return 'GC';
  if (leaf === '(program)') return 'V8 (program)';
  for (let at: number | undefined = id; at !== undefined; at = parents.get(at)) {
    const url = byId.get(at)?.callFrame.url ?? '';
    if (url === '' || url.startsWith('node:')) continue;
    if (QUEUE.test(url)) return 'the queue: BullMQ and ioredis';
    if (/node_modules\/prom-client\//.test(url)) return 'metrics: prom-client';
    if (/node_modules\//.test(url)) return 'HTTP: Express and its modules';
    if (/\/(apps|packages)\//.test(url) || url.endsWith('bare-express.mjs')) return 'our code';
    return url;
  }
  return 'Node alone (HTTP parser, sockets, timers)';
}

/** node_modules package, our workspace, node's own code, or V8's pseudo-frames (GC, program). */
function packageOf(frame: ProfileNode['callFrame'] | undefined): string {
  const url = frame?.url ?? '';
  const dep = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (dep !== undefined) return dep;
  const ours = /\/((?:apps|packages)\/[^/]+)\//.exec(url)?.[1];
  if (ours !== undefined) return ours;
  if (url.startsWith('node:')) return 'node (JS)';
  return url === '' ? `${frame?.functionName ?? '?'} (native / V8)` : url;
}

runEntry(main);
