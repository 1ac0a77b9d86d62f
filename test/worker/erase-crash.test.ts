import { randomInt, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { deferCleanups } from '../helpers/cleanups.js';
import { basic, send } from '../helpers/http.js';
import { startTestIngest } from '../helpers/ingest.js';
import { counted, expectedAfter } from '../helpers/ordered-load.js';
import { pollUntil } from '../helpers/services.js';
import { readGroup } from '../helpers/worker.js';
import { partitionQueues, startCrashingWorkers } from '../helpers/worker-processes.js';
import { groupRecords } from '../helpers/group-records.js';

// Erasures under load, with worker processes SIGKILLed at random instants (docs/guarantees.md):
// each group ends with exactly the identifications accepted after its last erasure, in order,
// and nothing of its erased lives is left but the erasures' own records; the type's group count
// is exactly the live groups.

const TYPE = 'org';
const defer = deferCleanups('each');

describe('erasure with worker crashes', () => {
  it(
    'SIGKILLs while groups are identified and erased: each ends with its last life, exactly',
    { timeout: 120_000 },
    async () => {
      const ingest = await startTestIngest({ PARTITIONS: '4', FLUSH_LINGER_MS: '10' });
      defer(() => ingest.close());
      const queues = partitionQueues(ingest);
      defer(() => queues.close());
      const workers = await startCrashingWorkers(ingest, {
        LOCK_DURATION_MS: '2000',
        APPLY_BATCH_MAX_ITEMS: '8',
      });
      defer(() => workers.stop());

      // One ordered client per group: identifications, and every so often an erasure.
      const groups: string[] = Array.from({ length: 12 }, () => randomUUID());
      const lastLife = new Map(groups.map((g) => [g, 0]));
      const erasures = new Map(groups.map((g) => [g, 0]));
      let stop = false;
      const auth = basic(ingest.apiKey, ingest.secretKey);
      const client = async (g: string) => {
        for (let step = 0; !stop; step++) {
          if (step % 9 === 8) {
            const reply = await send(ingest.url, {
              method: 'DELETE',
              path: `/api/groups/${TYPE}/${g}`,
              headers: { authorization: auth },
            });
            expect(reply.status).toBe(202);
            lastLife.set(g, 0);
            erasures.set(g, (erasures.get(g) ?? 0) + 1);
            continue;
          }
          const n = lastLife.get(g) ?? 0;
          const identification = { group_type: TYPE, group_value: g, group_properties: counted(n) };
          const reply = await send(ingest.url, {
            json: { api_key: ingest.apiKey, identification },
          });
          expect(reply.status).toBe(200);
          lastLife.set(g, n + 1);
        }
      };
      const load = Promise.all(groups.map(client));

      for (let kill = 0; kill < 5; kill++)
        await workers.killOne(() => sleep(200 + randomInt(1000)));
      stop = true;
      await load;

      for (const g of groups) {
        const n = lastLife.get(g) ?? 0;
        const expected = n === 0 ? undefined : expectedAfter(n);
        const state = await pollUntil(
          async () => {
            const now = await readGroup(ingest, TYPE, g);
            return (now?.version ?? 0) === n && (await queues.counts()).pending === 0
              ? { now }
              : undefined;
          },
          {
            timeoutMs: 60_000,
            intervalMs: 100,
            description: `${g} at its last life's version ${n}`,
          },
        );
        expect(state.now).toStrictEqual(expected);
        const kinds = (
          await ingest.raw.history
            .find(
              await groupRecords(ingest.raw, {
                project: ingest.projectId,
                group_type: TYPE,
                group_value: g,
              }),
            )
            .toArray()
        ).map((h) => h.kind);
        expect(kinds.filter((k) => k === 'delete')).toHaveLength(erasures.get(g) ?? 0);
        expect(kinds.filter((k) => k !== 'delete')).toHaveLength(n);
      }
      expect(await ingest.raw.deadLetters.countDocuments({})).toBe(0);
      expect([...erasures.values()].every((e) => e > 0)).toBe(true);
      // The group counts (docs/storage.md#group-counts) add up the same records, crashes and
      // redeliveries included: the live groups, exactly.
      const live = groups.filter((g) => (lastLife.get(g) ?? 0) > 0).length;
      expect(await ingest.store.groups.maintainedCount(ingest.projectId, TYPE)).toBe(live);
    },
  );
});
