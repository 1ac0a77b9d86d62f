import { Redis } from 'ioredis';
import {
  enqueueJobs,
  openPartitionQueue,
  partitionOf,
  type QueuedIdentification,
} from '@groupidentify/queue-contract';
import { expect } from 'vitest';
import { send } from '../helpers/http.js';
import type { TestIngest } from '../helpers/ingest.js';
import { waitForVersion } from '../helpers/worker.js';

/** The partition the browser test's worker leaves alone, so that its backlog stays to be seen. */
export const UNCONSUMED = 3;

/** `base`, or `base 2`, `base 3`…: the first such name whose org group lands where wanted. */
export function orgNamed(ingest: TestIngest, base: string, consumed: boolean): string {
  for (let n = 1; ; n++) {
    const value = n === 1 ? base : `${base} ${n}`;
    const p = partitionOf(
      { project: ingest.projectId, group_type: 'org', group_value: value },
      ingest.config.PARTITIONS,
    );
    if ((p !== UNCONSUMED) === consumed) return value;
  }
}

export interface Identification {
  group_type: string;
  group_value: string;
  group_properties: object;
  insert_id?: string;
}

export async function identify(ingest: TestIngest, ...items: Identification[]): Promise<void> {
  const reply = await send(ingest.url, { json: { api_key: ingest.apiKey, identification: items } });
  expect(reply.status, reply.text).toBe(200);
}

/** The history of `org/<value>`, oldest first, as the read API gives it. */
export async function historyOf(
  ingest: TestIngest,
  value: string,
): Promise<{ version: number; received_at: string }[]> {
  const res = await fetch(
    `${ingest.url}/api/groups/org/${encodeURIComponent(value)}/history?limit=100`,
    {
      headers: {
        authorization: `Basic ${Buffer.from(`${ingest.apiKey}:${ingest.secretKey}`).toString('base64')}`,
      },
    },
  );
  const body = (await res.json()) as { items: { version: number; received_at: string }[] };
  return body.items.reverse();
}

/** Dead letters the operator view shows at a time. */
export const DEAD_LETTER_PAGE = 100;

/**
 * Acme with two identifications (the second changes, adds and skips), a dozen more orgs and a
 * team to page through, a stuck group in the unconsumed partition (a backlog), and a dead letter
 * of a group to revive behind a page of older ones, planted as the worker writes them.
 */
export async function seed(ingest: TestIngest): Promise<{
  acme: string;
  revived: string;
  letterId: string;
  orgs: number;
}> {
  const acme = orgNamed(ingest, 'Acme', true);
  await identify(ingest, {
    group_type: 'org',
    group_value: acme,
    group_properties: {
      plan: 'free',
      seats: 1,
      region: 'eu',
      billing: { currency: 'EUR', contacts: [{ name: 'Ada', role: 'owner' }] },
    },
    insert_id: 'acme-1',
  });
  await waitForVersion(ingest, 'org', acme, 1);
  await identify(ingest, {
    group_type: 'org',
    group_value: acme,
    group_properties: {
      $set: { plan: 'pro' },
      $add: { seats: 1_234_566 },
      $setOnce: { region: 'us' },
    },
    insert_id: 'acme-2',
  });
  await waitForVersion(ingest, 'org', acme, 2);

  const others: string[] = [];
  for (let n = 1; others.length < 12; n++) {
    const value = orgNamed(ingest, `Org ${String(n).padStart(2, '0')}`, true);
    if (!others.includes(value) && value !== acme) others.push(value);
  }
  await identify(
    ingest,
    ...others.map((value, i) => ({
      group_type: 'org',
      group_value: value,
      group_properties: { rank: i },
    })),
    { group_type: 'team', group_value: 'Core', group_properties: { size: 5 } },
  );
  for (const value of others) await waitForVersion(ingest, 'org', value, 1);

  const stuck = orgNamed(ingest, 'Stuck Ltd', false);
  for (const n of [1, 2])
    await identify(ingest, { group_type: 'org', group_value: stuck, group_properties: { n } });
  await enqueueBacklog(ingest, stuck, 1_000);

  const revived = orgNamed(ingest, 'Revived', true);
  const item: QueuedIdentification = {
    project: ingest.projectId,
    group_type: 'org',
    group_value: revived,
    group_properties: { $set: { revived: true } },
    insert_id: 'revive-1',
    received_at: Date.now(),
  };
  const seq = { epoch: 'console-test', job: 1, index: 0 };
  await ingest.store.deadLetters.add(
    partitionOf(item, ingest.config.PARTITIONS),
    [{ seq, item, reason: 'the store refused the write (planted by the test)' }],
    new Date(),
  );
  // A page of older letters before it (unreadable jobs: nothing to replay), so that the operator
  // view shows it only on its second page.
  for (let job = 100; job < 100 + DEAD_LETTER_PAGE; job++)
    await ingest.store.deadLetters.addUnreadableJob(
      0,
      { epoch: 'console-test', job },
      { planted: job },
      'unreadable job (planted by the test)',
      new Date(Date.parse('2026-01-01T00:00:00Z') + job),
    );
  return { acme, revived, letterId: 'console-test:1:0', orgs: others.length + 1 };
}

/** `count` more jobs for `value` in its (unconsumed) partition, at once: a backlog over 1,000. */
async function enqueueBacklog(ingest: TestIngest, value: string, count: number): Promise<void> {
  const redis = new Redis(ingest.config.REDIS_URL, { maxRetriesPerRequest: null });
  const queue = openPartitionQueue(redis, ingest.config.QUEUE_PREFIX, UNCONSUMED);
  try {
    await enqueueJobs(
      queue,
      Array.from({ length: count }, (_, n) => ({
        v: 1 as const,
        items: [
          {
            project: ingest.projectId,
            group_type: 'org',
            group_value: value,
            group_properties: { n },
            received_at: Date.now(),
          },
        ],
      })),
    );
  } finally {
    await queue.close();
    redis.disconnect();
  }
}
