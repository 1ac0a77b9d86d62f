import fc from 'fast-check';
import { partitionOf } from '@groupidentify/queue-contract';
import { encodeName } from '@groupidentify/store/testing';
import { describe, expect, it } from 'vitest';
import { deferCleanups } from '../helpers/cleanups.js';
import { basic, send } from '../helpers/http.js';
import { startTestIngest, type TestIngest } from '../helpers/ingest.js';
import { pollUntil } from '../helpers/services.js';
import { startTestWorker } from '../helpers/worker.js';

// Counting a type's groups reads the counts the change feed's commits keep (docs/storage.md#group-
// counts) instead of scanning the groups. They must always equal a scan: after creations,
// updates, erasures and creations again, in one batch or across batches.

const defer = deferCleanups('each');
const TYPES = ['org', 'team.a', '$plan'];

async function setUp(): Promise<TestIngest> {
  const ingest = await startTestIngest({ PARTITIONS: '4' });
  defer(() => ingest.close());
  const worker = await startTestWorker(ingest, { APPLY_BATCH_MAX_ITEMS: '7' });
  defer(() => worker.close());
  return ingest;
}

/** A scan of the groups: what the counts must equal. */
async function scanned(ingest: TestIngest, groupType?: string): Promise<number> {
  return ingest.raw.groups.countDocuments({
    project: ingest.projectId,
    erased: { $exists: false },
    ...(groupType === undefined ? {} : { group_type: groupType }),
  });
}

async function drained(ingest: TestIngest): Promise<void> {
  await pollUntil(
    async () => {
      for (let p = 0; p < ingest.config.PARTITIONS; p++)
        if ((await ingest.jobs(p)).length > 0) return false;
      return true;
    },
    { timeoutMs: 30_000, description: 'every partition drained' },
  );
}

type Step = { type: string; value: string; erase: boolean };

async function run(ingest: TestIngest, steps: readonly Step[]): Promise<void> {
  const auth = basic(ingest.apiKey, ingest.secretKey);
  // One request at a time: the steps apply in this order (erasures and identifications alike).
  for (const { type, value, erase } of steps) {
    const reply = erase
      ? await send(ingest.url, {
          method: 'DELETE',
          path: `/api/groups/${encodeURIComponent(type)}/${value}`,
          headers: { authorization: auth },
        })
      : await send(ingest.url, {
          json: {
            api_key: ingest.apiKey,
            identification: { group_type: type, group_value: value, group_properties: { v: 1 } },
          },
        });
    // An erasure of a group never written and with nothing queued is a 404: nothing to count.
    expect([200, 202, 404]).toContain(reply.status);
  }
}

describe('group counts', () => {
  it('equal a scan after any mix of creations, updates and erasures', async () => {
    const ingest = await setUp();
    const step = fc.record({
      type: fc.constantFrom(...TYPES),
      value: fc.constantFrom('a', 'b', 'c', 'd', 'e'),
      erase: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 25 }), async (steps) => {
        // Queued while the worker waits, then applied in batches of several jobs: a group may
        // be created and erased, or erased and created again, within one batch.
        const queues = Array.from({ length: ingest.config.PARTITIONS }, (_, p) => ingest.queue(p));
        await Promise.all(queues.map((q) => q.pause()));
        await run(ingest, steps);
        await Promise.all(queues.map((q) => q.resume()));
        await drained(ingest);
        for (const type of TYPES) {
          const counted = await ingest.store.groups.maintainedCount(ingest.projectId, type);
          expect(counted, type).toBe(await scanned(ingest, type));
        }
        expect(await ingest.store.groups.maintainedCount(ingest.projectId)).toBe(
          await scanned(ingest),
        );
      }),
      { numRuns: 15 },
    );
  });

  it('a partition whose counts a race put off is counted by a scan until its consumer recounts', async () => {
    const ingest = await setUp();
    await run(
      ingest,
      ['a', 'b', 'c', 'd'].map((value) => ({ type: 'org', value, erase: false })),
    );
    await drained(ingest);
    const key = { project: ingest.projectId, group_type: 'org', group_value: 'a' };
    const partition = partitionOf(key, ingest.config.PARTITIONS);
    const head = JSON.stringify([ingest.projectId, partition]);
    // What a lost race leaves: a count off, and the head marked.
    await ingest.raw.feedHeads.updateOne(
      { _id: head },
      { $inc: { [`counts.${encodeName('org')}`]: 5 }, $set: { counts_exact: false } },
    );
    expect(await ingest.store.groups.maintainedCount(ingest.projectId, 'org')).toBeUndefined();
    expect(await ingest.store.groups.count(ingest.projectId, { groupType: 'org' })).toBe(4);

    // The partition's next commit sees the mark; its consumer recounts.
    await run(ingest, [{ type: 'org', value: 'a', erase: false }]);
    await pollUntil(
      async () => (await ingest.raw.feedHeads.findOne({ _id: head }))?.counts_exact !== false,
      { timeoutMs: 10_000, description: 'the head recounted' },
    );
    expect(await ingest.store.groups.maintainedCount(ingest.projectId, 'org')).toBe(4);
  });

  it('projects created before counts existed are counted by a scan', async () => {
    const ingest = await setUp();
    await ingest.raw.projects.updateOne(
      { _id: ingest.projectId },
      { $unset: { maintained_counts: '' } },
    );
    await run(ingest, [{ type: 'org', value: 'a', erase: false }]);
    await drained(ingest);
    expect(await ingest.store.groups.maintainedCount(ingest.projectId, 'org')).toBeUndefined();
    expect(await ingest.store.groups.count(ingest.projectId, { groupType: 'org' })).toBe(1);
  });
});
