import { MongoClient } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { freePort } from '@groupidentify/local-services';
import { openStore } from '@groupidentify/store';
import { collectionsOf, storedGroup } from '@groupidentify/store/testing';
import { spawnIngestMain, type ChildIngest } from '../helpers/child-ingest.js';
import { deferCleanups } from '../helpers/cleanups.js';
import { withDatabase } from '../helpers/ingest.js';
import { mongoUrl, pollUntil, redisUrl, uniqueName } from '../helpers/services.js';

// docs/api.md#export: the export streams; memory does not grow with the number of groups. The
// ingest process runs with a V8 heap limit well below the size of what it exports: holding the
// groups (or the response) would end it with a heap out-of-memory crash. It is the compiled app,
// as `npm run stack` and the Dockerfile run it (its heap starts near 30 MB; under tsx, which
// compiles the sources in the process, near 35 MB, and peaks came within 10 MB of the limit).
const defer = deferCleanups('each');

const GROUPS = 24_000;
const FILLER = 'x'.repeat(4_000); // ~100 MB of groups in all
const HEAP_LIMIT_MB = 64;

describe('GET /api/export in constant memory', () => {
  it(`exports ${GROUPS} groups (~100 MB) from an ingest whose heap is capped at ${HEAP_LIMIT_MB} MB`, async () => {
    const database = uniqueName('export_memory');
    const url = withDatabase(mongoUrl(), database);
    const client = await MongoClient.connect(url);
    const store = await openStore(url);
    defer(async () => {
      await client.db().dropDatabase();
      await client.close();
      await store.close();
    });
    const project = await store.projects.create('export memory');
    const groups = collectionsOf(client.db()).groups;
    const now = new Date();
    for (let first = 0; first < GROUPS; first += 1_000) {
      await groups.insertMany(
        Array.from({ length: 1_000 }, (_, j) =>
          storedGroup(
            { project: project.id, group_type: 'org', group_value: `g${first + j}` },
            { i: first + j, filler: FILLER },
            now,
          ),
        ),
      );
    }

    const port = await freePort();
    const ingest = spawnIngestMain(
      {
        REDIS_URL: redisUrl(),
        MONGO_URL: url,
        PORT: String(port),
        HOST: '127.0.0.1',
        QUEUE_PREFIX: uniqueName('gi_export'),
        PARTITIONS: '4',
        NODE_OPTIONS: `--max-old-space-size=${HEAP_LIMIT_MB}`,
      },
      { compiled: true },
    );
    defer(() => ingest.kill());
    const base = `http://127.0.0.1:${port}`;
    await pollUntil(async () => (await fetch(`${base}/healthz`).catch(() => undefined))?.ok, {
      timeoutMs: 30_000,
      description: `the ingest to start (${ingest.stderr()})`,
      abortIf: () => (ingest.child.exitCode === null ? undefined : new Error(ingest.stderr())),
    });

    const auth = Buffer.from(`${project.api_key}:${project.secret_key}`).toString('base64');
    const res = await fetch(`${base}/api/export?group_type=org`, {
      headers: { authorization: `Basic ${auth}` },
    });
    expect(res.status).toBe(200);
    // Count lines as they arrive, keeping nothing: the test process must not hold them either.
    let lines = 0;
    let bytes = 0;
    let sum = 0;
    let rest = '';
    const decoder = new TextDecoder();
    try {
      for await (const chunk of res.body ?? []) {
        bytes += (chunk as Uint8Array).byteLength;
        const text = rest + decoder.decode(chunk as Uint8Array, { stream: true });
        const parts = text.split('\n');
        rest = parts.pop() ?? '';
        for (const line of parts) {
          sum += (JSON.parse(line) as { properties: { i: number } }).properties.i;
          lines++;
        }
      }
    } catch (error) {
      if (error instanceof SyntaxError) throw error; // a line that is not JSON: not a cut
      throw new Error(`the export was cut after ${lines} groups: ${await whyCut(ingest)}`, {
        cause: error,
      });
    }
    if (lines !== GROUPS)
      throw new Error(
        `the export ended after ${lines} of ${GROUPS} groups: ${await whyCut(ingest)}`,
      );
    expect(rest).toBe('');
    expect(lines).toBe(GROUPS);
    expect(sum).toBe((GROUPS * (GROUPS - 1)) / 2); // each group exactly once
    expect(bytes).toBeGreaterThan(HEAP_LIMIT_MB * 1024 * 1024);
    expect(ingest.child.exitCode).toBeNull(); // still serving
    expect((await fetch(`${base}/healthz`)).ok).toBe(true);
  });
});

/** The ingest's end (it is given 5 s to exit) and the last of what it printed. */
async function whyCut(ingest: ChildIngest): Promise<string> {
  const exited = await Promise.race([
    ingest.exited,
    new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 5_000).unref()),
  ]);
  const end = exited === undefined ? 'still running' : `exited ${JSON.stringify(exited)}`;
  const output = `${ingest.stdout()}${ingest.stderr()}`.slice(-4_000);
  return `ingest ${end}; its output ends:\n${output}`;
}
