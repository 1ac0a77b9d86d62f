import { randomInt, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { freePort } from '@groupidentify/local-services';
import { spawnIngestMain, type ChildIngest } from '../helpers/child-ingest.js';
import { deferCleanups } from '../helpers/cleanups.js';
import { startTestIngest, type TestIngest } from '../helpers/ingest.js';
import { startOrderedLoad } from '../helpers/ordered-load.js';
import { pollUntil } from '../helpers/services.js';
import { partitionQueues, startCrashingWorkers } from '../helpers/worker-processes.js';
import { basic } from '../helpers/http.js';

// The change feed's guarantee (docs/guarantees.md#change-feed): a reader that resumes from each
// cursor it was given receives every change exactly once, each group's in version order — here
// with 4 partitions applied by two worker processes that are SIGKILLed at random instants, and
// the ingest process serving the feed SIGKILLed and restarted mid-run. The reader takes small
// pages, sometimes only part of one (resuming from a change's own cursor), and long-polls.

const TYPE = 'feed';
const defer = deferCleanups('each');

interface Change {
  cursor: string;
  group_type: string;
  group_value: string;
  version: number;
  kind: string;
}

/** The feed's reader: the ingest it talks to may be down at any moment; it just tries again. */
function startReader(url: () => string, auth: string) {
  const received = new Map<string, number[]>();
  let cursor = 'now';
  const state = { stopped: false }; // an object: the loop must see stop()'s write
  let errors = 0;
  const done = (async () => {
    cursor = await firstCursor();
    while (!state.stopped) {
      const params = new URLSearchParams({
        after: cursor,
        limit: String(1 + randomInt(7)),
        wait_ms: String(randomInt(4) === 0 ? 500 : 0), // mostly no wait: reads land anywhere
        group_type: TYPE,
      });
      let page: { items: Change[]; next_cursor: string };
      try {
        const res = await fetch(`${url()}/api/changes?${params.toString()}`, {
          headers: { authorization: auth },
        });
        if (res.status !== 200) throw new Error(`${res.status} ${await res.text()}`);
        page = (await res.json()) as typeof page;
      } catch {
        errors++;
        await sleep(50); // the ingest is restarting: try again shortly
        continue;
      }
      // Sometimes take only part of the page and resume from the last change taken.
      const take = page.items.length > 1 && randomInt(3) === 0 ? randomInt(page.items.length) : -1;
      const taken = take < 0 ? page.items : page.items.slice(0, take);
      for (const c of taken) {
        const versions = received.get(c.group_value) ?? [];
        versions.push(c.version);
        received.set(c.group_value, versions);
      }
      cursor = take < 0 ? page.next_cursor : (taken[taken.length - 1]?.cursor ?? cursor);
    }
  })();
  async function firstCursor(): Promise<string> {
    for (;;) {
      try {
        const res = await fetch(`${url()}/api/changes?after=now`, {
          headers: { authorization: auth },
        });
        if (res.ok) return ((await res.json()) as { next_cursor: string }).next_cursor;
      } catch {
        // not up yet
      }
      await sleep(50);
    }
  }
  return {
    received,
    errors: () => errors,
    async stop() {
      state.stopped = true;
      await done;
    },
  };
}

function spawnFeedIngest(ingest: TestIngest, port: number): ChildIngest {
  return spawnIngestMain({
    REDIS_URL: ingest.config.REDIS_URL,
    MONGO_URL: ingest.config.MONGO_URL,
    QUEUE_PREFIX: ingest.config.QUEUE_PREFIX,
    PARTITIONS: String(ingest.config.PARTITIONS),
    PORT: String(port),
    HOST: '127.0.0.1',
  });
}

describe('change feed with crashes', () => {
  it(
    'a reader resuming from its cursors gets every change exactly once, in order per group',
    { timeout: 180_000 },
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

      // The feed is read from an ingest process of its own, which is killed and restarted.
      const port = await freePort();
      const feedUrl = `http://127.0.0.1:${port}`;
      let feedIngest = spawnFeedIngest(ingest, port);
      defer(() => feedIngest.kill());
      const auth = basic(ingest.apiKey, ingest.secretKey);
      const reader = startReader(() => feedUrl, auth);
      defer(() => reader.stop());
      await pollUntil(async () => (await fetch(`${feedUrl}/healthz`).catch(() => undefined))?.ok, {
        timeoutMs: 30_000,
        description: 'the feed ingest to start',
      });

      const groups = Array.from({ length: 16 }, () => randomUUID());
      const load = startOrderedLoad(ingest, { groupType: TYPE, groups, rounds: 1_000_000 });
      for (let kill = 0; kill < 5; kill++) {
        await sleep(300 + randomInt(1000));
        if (kill === 2) {
          await feedIngest.kill(); // SIGKILL mid long poll
          feedIngest = spawnFeedIngest(ingest, port);
          continue;
        }
        await workers.killOne();
      }
      await load.stop();
      expect(load.refused).toStrictEqual([]);

      // Everything accepted gets applied, and the reader catches up with all of it.
      await pollUntil(
        async () =>
          (await queues.counts()).pending === 0 &&
          groups.every((g) => (reader.received.get(g)?.length ?? 0) >= (load.accepted.get(g) ?? 0)),
        { timeoutMs: 90_000, intervalMs: 200, description: 'the reader to receive everything' },
      );
      await reader.stop();
      let total = 0;
      for (const g of groups) {
        const n = load.accepted.get(g) ?? 0;
        total += n;
        expect(reader.received.get(g) ?? [], g).toStrictEqual(
          Array.from({ length: n }, (_, i) => i + 1),
        );
      }
      expect(total).toBeGreaterThan(100);
      expect(reader.errors()).toBeGreaterThan(0); // it did live through the feed's restart
    },
  );
});
