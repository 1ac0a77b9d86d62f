// Where ingest's time goes next to the bare Express route (BENCHMARKS.md, "Ingest"):
// node --conditions=@groupidentify/source --import tsx bench/ingest-breakdown.ts [seconds] [rounds]
// Closed-loop rounds (1 identification/request, bare and ingest alternating) with the CPU each
// process spends per request (the server, redis-server, the load generator), then the paced load
// at half of ingest's max on each, with ingest's enqueue-time histogram, event-loop delay and GC
// pauses over that load (bench/loop-monitor.mjs). Not part of `npm run bench`.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startBare, startIngestChild, type HttpChild } from './apps.js';
import { spreadBodies } from './bodies.js';
import { runEntry, type Cleanup } from './cleanup.js';
import { alternate, loadGroupIdentify, median } from './http-load.js';
import { step } from './log.js';
import { pacedLoad } from './paced-load.js';
import { peakRssMb } from './proc-memory.js';
import { startToolSetup } from './tool-setup.js';

const MONITOR = fileURLToPath(new URL('./loop-monitor.mjs', import.meta.url));

/** CPU seconds (user + system) a process has used so far (Linux). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** The cumulative buckets of ingest's `gi_enqueue_duration_seconds`, by upper bound. */
async function enqueueBuckets(metricsUrl: string): Promise<Map<string, number>> {
  const text = await (await fetch(metricsUrl)).text();
  const pattern = /gi_enqueue_duration_seconds_bucket\{le="([^"]+)"\} (\d+)/g;
  return new Map([...text.matchAll(pattern)].map((m) => [m[1] ?? '', Number(m[2])]));
}

async function main(cleanup: Cleanup): Promise<void> {
  const seconds = Number(process.argv[2] ?? '4');
  const rounds = Number(process.argv[3] ?? '3');
  const { services, mongoUrl, project } = await startToolSetup(cleanup, 'breakdown');
  const redisPid = services.redis?.pid;
  if (redisPid === undefined) throw new Error('no redis-server pid');
  const bare = await startBare(cleanup);
  const ingest = await startIngestChild(
    cleanup,
    { redisUrl: services.redisUrl, mongoUrl, queuePrefix: 'breakdown', maxBacklog: 1_000_000_000 },
    ['--import', MONITOR],
  );
  step(
    `at rest: RSS bare ${peakRssMb(bare.pid)?.toFixed(0)} MB, ingest ${peakRssMb(ingest.pid)?.toFixed(0)} MB`,
  );
  const bodies = spreadBodies(project.api_key, 'company', 512, 1, 512);
  const closedLoop =
    (name: string, server: HttpChild, s = seconds) =>
    async () => {
      const before = [cpuSeconds(server.pid), cpuSeconds(redisPid), process.cpuUsage()] as const;
      const r = await loadGroupIdentify(server.url, bodies, { connections: 32, seconds: s });
      const loader = process.cpuUsage(before[2]);
      const perRequest = (cpu: number) => ((cpu * 1000) / (r.reqPerSec * s)).toFixed(3);
      step(
        `  ${name}: ${Math.round(r.reqPerSec)} req/s; CPU ms/request: server ${perRequest(cpuSeconds(server.pid) - before[0])}, redis-server ${perRequest(cpuSeconds(redisPid) - before[1])}, load generator ${perRequest((loader.user + loader.system) / 1e6)}`,
      );
      return r.reqPerSec;
    };
  await closedLoop('bare warm-up', bare, 1)();
  await closedLoop('ingest warm-up', ingest, 1)();
  step(`closed loop, 1 identification/request: ${rounds} × (bare, ingest), ${seconds} s each`);
  const [bare1 = [], ingest1 = []] = await alternate(rounds, [
    closedLoop('bare  ', bare),
    closedLoop('ingest', ingest),
  ]);
  step(`ingest/bare: × ${(median(ingest1) / median(bare1)).toFixed(2)}`);
  const half = Math.max(1, Math.round(median(ingest1) / 2));
  step(`paced at ${half} req/s for ${seconds * 2} s each (128 connections)`);
  const paced = async (name: string, server: HttpChild) => {
    const r = await pacedLoad(server.url, bodies, {
      connections: 128,
      seconds: seconds * 2,
      perSec: half,
    });
    step(`  ${name}: p50 ${r.p50Ms.toFixed(1)} ms, p99 ${r.p99Ms.toFixed(1)} ms`);
  };
  await paced('bare  ', bare);
  const buckets = await enqueueBuckets(ingest.metricsUrl);
  const outputBefore = ingest.output().length;
  await paced('ingest', ingest);
  const after = await enqueueBuckets(ingest.metricsUrl);
  const total = (after.get('+Inf') ?? 0) - (buckets.get('+Inf') ?? 0);
  const share = [...after].map(
    ([le, n]) => `≤${le}s ${((100 * (n - (buckets.get(le) ?? 0))) / total).toFixed(1)}%`,
  );
  step(`  ingest enqueue time (ready → in Redis) over the paced load: ${share.join(', ')}`);
  const monitor = ingest
    .output()
    .slice(outputBefore)
    .split('\n')
    .filter((line) => line.startsWith('{"monitor"'));
  step(`  ingest event loop and GC, one line per second of the paced load:\n${monitor.join('\n')}`);
  step(
    `peak RSS: bare ${peakRssMb(bare.pid)?.toFixed(0)} MB, ingest ${peakRssMb(ingest.pid)?.toFixed(0)} MB`,
  );
  await cleanup.run();
}

runEntry(main);
