// `npm run bench`: every docs/performance.md figure and its baseline, side by side in one run.
// Flags: --quick (≤ 2 min, rough), --json (one JSON line on stdout), --no-write (keep BENCHMARKS.md).
import { fileURLToPath } from 'node:url';
import { startServices, withDatabase } from '@groupidentify/local-services';
import { openStore } from '@groupidentify/store';
import { writeResults } from './benchmarks-file.js';
import { buildIfStale } from '../scripts/stack/build-apps.js';
import { runEntry, type Cleanup } from './cleanup.js';
import { figuresOf } from './figures.js';
import { measureIngest } from './ingest-phase.js';
import { measureImport } from './import-phase.js';
import { measureLate } from './late-phase.js';
import { measureLookup } from './lookup-phase.js';
import { measureNeighbours } from './neighbour-phase.js';
import { elapsedSeconds, step } from './log.js';
import { parseOptions, planOf } from './options.js';
import { measurePipeline } from './pipeline-phase.js';
import { machineFacts, resultsTable, stepSplitTable } from './report.js';
import { measureScale } from './scale-phase.js';
import { measureStack } from './stack-phase.js';
import { measureWebhooks } from './webhook-phase.js';
import { measureWhere } from './where-phase.js';

const BENCHMARKS_MD = fileURLToPath(new URL('../BENCHMARKS.md', import.meta.url));

async function main(cleanup: Cleanup): Promise<void> {
  const args = process.argv.slice(2);
  const options = parseOptions(args);
  const plan = planOf(options);
  const date = new Date();
  // The children run the compiled JavaScript, as the Dockerfile and `npm run stack` do.
  buildIfStale(step);
  step(`mode: ${options.quick ? 'quick' : 'full'}; starting Redis and the MongoDB wire server`);
  // Never REDIS_URL/MONGO_URL: the bench owns its servers, on free ports, in a temp dir. FerretDB
  // runs on PostgreSQL: on SQLite every guarded update scans its collection (BENCHMARKS.md).
  const services = await startServices({
    redisUrl: undefined,
    mongoUrl: undefined,
    ferretdbBackend: 'postgresql',
  });
  cleanup.add('Redis and the MongoDB wire server', () => services.stop());
  const mongoKind = services.mongo?.kind ?? 'given';
  step(`services up (store: ${mongoKind}); creating the demo project`);
  const store = await openStore(withDatabase(services.mongoUrl, 'bench'));
  const project = await store.projects.create('bench').finally(() => store.close());
  const setup = {
    redisUrl: services.redisUrl,
    mongoUrl: withDatabase(services.mongoUrl, 'bench'),
    projectId: project.id,
    apiKey: project.api_key,
    secretKey: project.secret_key,
  };

  // The Redis and the MongoDB wire server each phase makes its own databases on.
  const servers = { redisUrl: services.redisUrl, serverUrl: services.mongoUrl };
  const ingest = await measureIngest(cleanup, setup, plan);
  const pipe = await measurePipeline(cleanup, { ...setup, mongoUrl: services.mongoUrl }, plan);
  const scale = await measureScale(cleanup, servers, plan);
  const stack = await measureStack(cleanup, servers, plan);
  const where = await measureWhere(cleanup, servers, plan);
  const lookup = await measureLookup(cleanup, servers, plan);
  const imported = await measureImport(cleanup, servers, plan);
  const late = await measureLate(cleanup, servers, plan);
  const neighbours = await measureNeighbours(cleanup, servers, plan);
  // At half of the most the stack phase found the same processes apply, 100 per request.
  const webhooks = await measureWebhooks(cleanup, servers, plan, stack.shapes[1]?.maxPerSec);
  step('stopping the services');
  await cleanup.run();

  const phases = {
    ingest,
    pipe,
    scale,
    stack,
    where,
    neighbours,
    lookup,
    imported,
    late,
    webhooks,
  };
  const figures = figuresOf(phases);
  const table = `${resultsTable(figures, phases, plan)}\n\n${stepSplitTable(scale, stack)}`;
  const command = ['npm run bench', ...(args.length > 0 ? ['--', ...args] : [])].join(' ');
  const facts = machineFacts({
    command,
    quick: options.quick,
    date,
    wallSeconds: elapsedSeconds(),
    mongoKind,
  });
  if (options.write) {
    const json = '```json\n' + JSON.stringify(figures, null, 2) + '\n```';
    writeResults(BENCHMARKS_MD, `## Latest run\n\n${facts}\n\n${table}\n\n${json}`);
    step('wrote BENCHMARKS.md');
  }
  step(`done in ${elapsedSeconds().toFixed(0)} s`);
  if (options.json) process.stdout.write(`${JSON.stringify(figures)}\n`);
  else process.stdout.write(`\n${facts}\n\n${table}\n`);
}

runEntry(main);
