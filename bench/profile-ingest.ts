// CPU profile of the compiled ingest child under load:
// node --conditions=@groupidentify/source --import tsx bench/profile-ingest.ts [seconds] [ids/request]
// (defaults 10 s, 100 identifications per request). Starts its own Redis and store, runs ingest
// with `node --cpu-prof` (no worker), loads it, and prints the top self-time entries of the profile
// and self time by package. Not part of `npm run bench`.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServices, withDatabase } from '@groupidentify/local-services';
import { openStore } from '@groupidentify/store';
import { startIngestChild } from './apps.js';
import { buildApps } from './child-process.js';
import { spreadBodies } from './bodies.js';
import { runEntry, type Cleanup } from './cleanup.js';
import { loadGroupIdentify } from './http-load.js';
import { step } from './log.js';
import { peakRssMb } from './proc-memory.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
}

async function main(cleanup: Cleanup): Promise<void> {
  const seconds = Number(process.argv[2] ?? '10');
  const perRequest = Number(process.argv[3] ?? '100');
  step('building the apps (npm run build)');
  buildApps();
  const services = await startServices({ redisUrl: undefined, mongoUrl: undefined });
  cleanup.add('services', () => services.stop());
  const mongoUrl = withDatabase(services.mongoUrl, 'profile');
  const store = await openStore(mongoUrl);
  const project = await store.projects.create('profile').finally(() => store.close());
  const dir = mkdtempSync(join(tmpdir(), 'gi-ingest-prof-'));
  const ingest = await startIngestChild(
    cleanup,
    { redisUrl: services.redisUrl, mongoUrl, queuePrefix: 'prof', maxBacklog: 1_000_000_000 },
    ['--cpu-prof', `--cpu-prof-dir=${dir}`],
  );
  step(`ingest started: RSS ${peakRssMb(ingest.pid)?.toFixed(0) ?? '?'} MB before any load`);
  const bodies = spreadBodies(project.api_key, 'company', 6400 / perRequest, perRequest, 6400);
  await loadGroupIdentify(ingest.url, bodies, { connections: 32, seconds: 2 });
  step(`profiling ingest: ${seconds} s of ${perRequest} identification(s)/request`);
  const r = await loadGroupIdentify(ingest.url, bodies, { connections: 32, seconds });
  const rss = peakRssMb(ingest.pid);
  await ingest.stop();
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
