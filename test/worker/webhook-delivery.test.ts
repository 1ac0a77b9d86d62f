import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '@groupidentify/local-services';
import type { DestinationDocument } from '@groupidentify/store';
import { send } from '../helpers/http.js';
import { pollUntil } from '../helpers/services.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';
import { useIngestAndWorker } from '../helpers/worker.js';

// docs/webhooks.md: every change is POSTed to each active destination, signed the Standard
// Webhooks way, in version order per group; a failing destination is retried, holds back only
// itself, becomes `failing` after DELIVERY_FAILING_AFTER_MS (1.5 s here, 3 days by default) and
// delivers everything once resumed.
const { ingest } = useIngestAndWorker(
  {},
  {
    DESTINATIONS_ALLOW_PRIVATE: 'true',
    DELIVERY_RETRY_BASE_MS: '20',
    DELIVERY_RETRY_CAP_MS: '200',
    DELIVERY_FAILING_AFTER_MS: '1500',
    DELIVERY_SCAN_MS: '100',
    DELIVERY_TIMEOUT_MS: '2000',
    DELIVERY_LEASE_MS: '5000',
    DELIVERY_CONCURRENCY: '2',
  },
);
const receivers: WebhookReceiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

interface Delivered {
  cursor: string;
  kind: string;
  group_type: string;
  group_value: string;
  version: number;
  changes: Record<string, { from?: unknown; to?: unknown }>;
}

async function receiver(): Promise<WebhookReceiver> {
  const r = await startWebhookReceiver();
  receivers.push(r);
  return r;
}

async function destination(url: string, groupType?: string): Promise<DestinationDocument> {
  const { store, projectId, config } = ingest();
  return store.destinations.create({
    project: projectId,
    url,
    groupType,
    start: await store.feed.heads(projectId, config.PARTITIONS),
    now: new Date(),
  });
}

/** Sends `n` updates of each group, one request each (versions 1..n). */
async function identify(groups: { type: string; value: string }[], n: number): Promise<void> {
  for (let i = 1; i <= n; i++)
    for (const g of groups) {
      const reply = await send(ingest().url, {
        form: {
          api_key: ingest().apiKey,
          identification: JSON.stringify([
            { group_type: g.type, group_value: g.value, group_properties: { $set: { n: i } } },
          ]),
        },
      });
      expect(reply.status).toBe(200);
    }
}

/** The 2xx-answered deliveries, verified against `secret` (throws on a bad signature). */
function delivered(r: WebhookReceiver, secret: string): Delivered[] {
  const hook = new Webhook(secret);
  return r.received
    .filter((w) => w.answer === 'ok')
    .map((w) => {
      const verified = hook.verify(w.body, w.headers as Record<string, string>) as Delivered;
      expect(verified.cursor).toBe(w.headers['webhook-id']);
      return verified;
    });
}

/** Each group's versions in the order their first 2xx delivery came. */
function firstVersions(items: Delivered[]): Map<string, number[]> {
  const seen = new Set<string>();
  const byGroup = new Map<string, number[]>();
  for (const item of items) {
    if (seen.has(item.cursor)) continue;
    seen.add(item.cursor);
    const key = `${item.group_type}/${item.group_value}`;
    byGroup.set(key, [...(byGroup.get(key) ?? []), item.version]);
  }
  return byGroup;
}

/** The partition a `webhook-id` is in (its only non-zero position). */
const partitionOf = (id: string): number =>
  (JSON.parse(Buffer.from(id, 'base64url').toString()) as { v: number[] }).v.findIndex(
    (p) => p > 0,
  );

describe('webhook delivery', () => {
  it('POSTs every change, signed, in version order per group, only of its group type', async () => {
    const [all, plans] = [await receiver(), await receiver()];
    const [toAll, toPlans] = [await destination(all.url), await destination(plans.url, 'plan')];
    const run = randomUUID().slice(0, 8);
    const orgs = [1, 2, 3, 4, 5].map((i) => ({ type: 'org', value: `${run}-o${i}` }));
    const planGroups = [1, 2].map((i) => ({ type: 'plan', value: `${run}-p${i}` }));
    await identify([...orgs, ...planGroups], 3);

    const items = await pollUntil(
      () => {
        const got = delivered(all, toAll.secret);
        return new Set(got.map((d) => d.cursor)).size >= 21 ? got : undefined;
      },
      { timeoutMs: 30_000, description: '21 changes delivered' },
    );
    const versions = firstVersions(items);
    expect(versions.size).toBe(7);
    for (const [group, list] of versions) expect(list, group).toEqual([1, 2, 3]);
    const first = items.find((d) => d.group_value === `${run}-o1` && d.version === 1);
    expect(first).toMatchObject({ kind: 'create', changes: { n: { to: 1 } } });
    expect(all.received[0]?.headers['webhook-signature']).toMatch(/^v1,/);

    const planItems = await pollUntil(
      () => {
        const got = delivered(plans, toPlans.secret);
        return got.length >= 6 ? got : undefined;
      },
      { timeoutMs: 30_000, description: '6 plan changes delivered' },
    );
    expect(new Set(planItems.map((d) => d.group_type))).toEqual(new Set(['plan']));
    // Signed with its own destination's secret, not another's.
    expect(() => delivered(plans, toAll.secret)).toThrow();

    const state = await pollUntil(
      async () => {
        const states = await ingest().store.destinations.states(toAll._id);
        const count = states.reduce((n, s) => n + s.delivered, 0);
        return count >= 21 ? states : undefined;
      },
      { timeoutMs: 10_000, description: 'delivery state recorded' },
    );
    expect(state.every((s) => s.attempts === 0 && s.failing_since === undefined)).toBe(true);
  });

  it('retries a failing destination without holding back another; failing until resumed', async () => {
    const [good, bad] = [await receiver(), await receiver()];
    bad.answer = () => 'fail';
    const [toGood, toBad] = [await destination(good.url), await destination(bad.url)];
    const run = randomUUID().slice(0, 8);
    const groups = [1, 2, 3, 4].map((i) => ({ type: 'org', value: `${run}-g${i}` }));
    await identify(groups, 2);

    await pollUntil(
      () =>
        new Set(delivered(good, toGood.secret).map((d) => d.cursor)).size >= 8 ? true : undefined,
      { timeoutMs: 30_000, description: 'the good destination got all 8 changes' },
    );
    const { store, projectId } = ingest();
    const failing = await pollUntil(
      async () => {
        const d = await store.destinations.get(projectId, toBad._id);
        return d?.status === 'failing' ? d : undefined;
      },
      { timeoutMs: 30_000, description: 'the bad destination marked failing' },
    );
    expect(failing.failing_since).toBeInstanceOf(Date);
    // Retried, and of each group only its first change: its second waits for the first's 2xx.
    const ids = bad.received.map((w) => String(w.headers['webhook-id']));
    expect(ids.length).toBeGreaterThan(new Set(ids).size);
    const tried = bad.received.map((w) => JSON.parse(w.body) as Delivered);
    expect(new Set(tried.map((d) => d.version))).toEqual(new Set([1]));
    // In a partition, nothing starts after a failure: at most DELIVERY_CONCURRENCY were in flight.
    const perPartition = new Map<number, Set<string>>();
    for (const id of ids)
      perPartition.set(partitionOf(id), (perPartition.get(partitionOf(id)) ?? new Set()).add(id));
    for (const [p, set] of perPartition) expect(set.size, `partition ${p}`).toBeLessThanOrEqual(2);
    const states = await store.destinations.states(toBad._id);
    expect(states.some((s) => s.last_error?.startsWith('HTTP 503: receiver says no'))).toBe(true);

    bad.answer = () => 'ok';
    await store.destinations.setStatus(projectId, toBad._id, 'active', new Date());
    const items = await pollUntil(
      () => {
        const got = delivered(bad, toBad.secret);
        return new Set(got.map((d) => d.cursor)).size >= 8 ? got : undefined;
      },
      { timeoutMs: 30_000, description: 'all 8 changes delivered after resuming' },
    );
    for (const [group, list] of firstVersions(items)) expect(list, group).toEqual([1, 2]);
  });

  it('reaches the README example receiver, which verifies each signature', async () => {
    const port = await freePort();
    const toExample = await destination(`http://127.0.0.1:${port}/`);
    const example = fileURLToPath(new URL('../../examples/webhook-receiver.mjs', import.meta.url));
    const child = spawn(process.execPath, [example], {
      env: { ...process.env, WEBHOOK_SECRET: toExample.secret, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let printed = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (printed += chunk));
    try {
      const value = `${randomUUID().slice(0, 8)}-example`;
      await identify([{ type: 'org', value }], 2);
      const lines = await pollUntil(
        () => {
          const mine = printed
            .split('\n')
            .filter((l) => l.includes(value))
            .map((l) => JSON.parse(l) as Delivered);
          return mine.length >= 2 ? mine : undefined;
        },
        { timeoutMs: 30_000, description: 'the example to print both changes' },
      );
      expect(lines.map((l) => l.version)).toEqual([1, 2]);
      expect(lines[1]?.changes).toEqual({ n: { from: 1, to: 2 } });
    } finally {
      child.kill();
    }
  });
});
