import { randomInt, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { deferCleanups } from '../helpers/cleanups.js';
import { startTestIngest } from '../helpers/ingest.js';
import { startOrderedLoad } from '../helpers/ordered-load.js';
import { pollUntil } from '../helpers/services.js';
import { startWebhookReceiver } from '../helpers/webhook-receiver.js';
import { partitionQueues, startCrashingWorkers } from '../helpers/worker-processes.js';

// docs/webhooks.md: kill -9 of delivering processes skips nothing. Two worker processes apply and
// deliver 4 partitions to a receiver that answers 503 to a fifth of the POSTs and never answers a
// tenth (past the 500 ms deadline); the workers are SIGKILLed at random instants and restarted.
// Every change arrives, with a valid signature, and each group's first 2xx deliveries are in
// version order.
const TYPE = 'hooked';
const count = (versions: Map<string, number[]>): number =>
  [...versions.values()].reduce((n, list) => n + list.length, 0);
const defer = deferCleanups('each');

describe('webhook delivery with crashes', () => {
  it(
    'delivers every change, each group in version order, through kill -9 and a flaky receiver',
    { timeout: 300_000 },
    async () => {
      const ingest = await startTestIngest({ PARTITIONS: '4', FLUSH_LINGER_MS: '10' });
      defer(() => ingest.close());
      const queues = partitionQueues(ingest);
      defer(() => queues.close());
      const receiver = await startWebhookReceiver();
      defer(() => receiver.close());
      receiver.answer = () => {
        const roll = randomInt(10);
        return roll < 2 ? 'fail' : roll < 3 ? 'stall' : 'ok';
      };
      const destination = await ingest.store.destinations.create({
        project: ingest.projectId,
        url: receiver.url,
        groupType: TYPE,
        start: await ingest.store.feed.heads(ingest.projectId, ingest.config.PARTITIONS),
        now: new Date(),
      });
      const workers = await startCrashingWorkers(ingest, {
        LOCK_DURATION_MS: '2000',
        APPLY_BATCH_MAX_ITEMS: '8',
        DESTINATIONS_ALLOW_PRIVATE: 'true',
        DELIVERY_TIMEOUT_MS: '500',
        DELIVERY_LEASE_MS: '3000',
        DELIVERY_SCAN_MS: '200',
        DELIVERY_RETRY_BASE_MS: '20',
        DELIVERY_RETRY_CAP_MS: '200',
      });
      defer(() => workers.stop());

      const groups = Array.from({ length: 12 }, () => randomUUID());
      // The first 2xx of each change, in arrival order, verified as a receiver would.
      const hook = new Webhook(destination.secret);
      const firstDeliveries = () => {
        const seen = new Set<string>();
        const versions = new Map<string, number[]>();
        for (const w of receiver.received) {
          if (w.answer !== 'ok') continue;
          const change = hook.verify(w.body, w.headers as Record<string, string>) as {
            cursor: string;
            group_value: string;
            version: number;
          };
          if (seen.has(change.cursor)) continue;
          seen.add(change.cursor);
          versions.set(change.group_value, [
            ...(versions.get(change.group_value) ?? []),
            change.version,
          ]);
        }
        return versions;
      };
      // 40 changes a group: most of the kills land while they are being delivered, through faults.
      const load = startOrderedLoad(ingest, { groupType: TYPE, groups, rounds: 40 });
      const deliveredAtKills: number[] = [];
      for (let kill = 0; kill < 5; kill++) {
        await sleep(300 + randomInt(1000)); // a random instant: this is what the test is about
        deliveredAtKills.push(count(firstDeliveries()));
        await workers.killOne();
      }
      await load.stop();
      expect(load.refused).toStrictEqual([]);

      const delivered = await pollUntil(
        async () => {
          if ((await queues.counts()).pending > 0) return undefined;
          const versions = firstDeliveries();
          return groups.every((g) => (versions.get(g)?.length ?? 0) >= (load.accepted.get(g) ?? 0))
            ? versions
            : undefined;
        },
        { timeoutMs: 200_000, intervalMs: 200, description: 'every change delivered' },
      );
      // Most kills landed while changes were still to deliver.
      const whileDelivering = deliveredAtKills.filter((n) => n < groups.length * 40);
      expect(
        whileDelivering.length,
        `delivered at each kill: ${deliveredAtKills.join(', ')}`,
      ).toBeGreaterThanOrEqual(3);
      let total = 0;
      for (const g of groups) {
        const n = load.accepted.get(g) ?? 0;
        total += n;
        expect(delivered.get(g) ?? [], g).toStrictEqual(Array.from({ length: n }, (_, i) => i + 1));
      }
      expect(total).toBe(groups.length * 40);
      // The receiver's faults were met and lived through.
      expect(receiver.received.filter((w) => w.answer === 'fail').length).toBeGreaterThan(0);
      expect(receiver.received.filter((w) => w.answer === 'stall').length).toBeGreaterThan(0);
    },
  );
});
