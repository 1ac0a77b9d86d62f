import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { startRedis } from '@groupidentify/local-services';
import { startTestIngest, type TestIngest } from '../helpers/ingest.js';
import { deferCleanups } from '../helpers/cleanups.js';

// docs/guarantees.md#redis-memory: with `maxmemory` and `noeviction`, a full Redis refuses
// writes; ingest answers 503 (never 5xx of its own, never a crash), and everything it answered 200
// is in the queue. A 503 says the request was not accepted, not that none of it was stored: the
// client sends it again, and what was queued of it is queued once, whole identifications only.

const dir = mkdtempSync(join(tmpdir(), 'groupidentify-redis-full-'));
const defer = deferCleanups('all');
defer(() => rmSync(dir, { recursive: true, force: true })); // registered first: runs last

const GROUP_TYPE = 'account';
const PER_REQUEST = 20;
const PAD = 'x'.repeat(1000);

interface Sent {
  status: number;
  groups: string[];
}

async function post(ingest: TestIngest, groups: string[]): Promise<number> {
  const identification = groups.map((g) => ({
    group_type: GROUP_TYPE,
    group_value: g,
    group_properties: { pad: PAD },
  }));
  const res = await fetch(`${ingest.url}/groupidentify`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      api_key: ingest.apiKey,
      identification: JSON.stringify(identification),
    }).toString(),
  });
  await res.arrayBuffer();
  return res.status;
}

describe('a full Redis (maxmemory, noeviction)', () => {
  it('answers 503, and every identification answered 200 is queued exactly once', async () => {
    const redis = await startRedis({ dir: join(dir, 'small'), maxmemory: '3mb' });
    defer(() => redis.stop());
    const ingest = await startTestIngest({ REDIS_URL: redis.url });
    const admin = new Redis(redis.url, { maxRetriesPerRequest: null });
    defer(async () => {
      // Room again, so that the teardown (which writes and deletes) is not refused.
      await admin.config('SET', 'maxmemory', '0');
      await ingest.close();
      admin.disconnect();
    });

    const sent: Sent[] = [];
    let n = 0;
    let refusedInARow = 0;
    // Four clients at a time, so that refused and accepted requests share flushes; until Redis
    // has refused several rounds running (a bound keeps a Redis that never fills from looping).
    for (let round = 0; round < 2000 && refusedInARow < 5; round++) {
      const batch = Array.from({ length: 4 }, () =>
        Array.from({ length: PER_REQUEST }, () => `g-${n++}`),
      );
      const statuses = await Promise.all(batch.map((groups) => post(ingest, groups)));
      statuses.forEach((status, i) => sent.push({ status, groups: batch[i] ?? [] }));
      refusedInARow = statuses.every((s) => s === 503) ? refusedInARow + 1 : 0;
    }
    const statuses = new Set(sent.map((s) => s.status));
    expect([...statuses].sort()).toStrictEqual([200, 503]);
    const info = await admin.info('memory');
    expect(info).toMatch(/maxmemory_policy:noeviction/);

    // What is queued: every 200'd group once; a 503'd request's groups at most once each, and
    // only whole identifications (every queued item is one that was sent, with its properties).
    await admin.config('SET', 'maxmemory', '0');
    const queued = new Map<string, number>();
    for (let p = 0; p < ingest.config.PARTITIONS; p++)
      for (const item of await ingest.items(p)) {
        expect(item.group_properties).toStrictEqual({ pad: PAD });
        queued.set(item.group_value, (queued.get(item.group_value) ?? 0) + 1);
      }
    const accepted = sent.filter((s) => s.status === 200).flatMap((s) => s.groups);
    const refused = sent.filter((s) => s.status === 503).flatMap((s) => s.groups);
    expect(accepted.length).toBeGreaterThan(0);
    for (const g of accepted) expect(queued.get(g), g).toBe(1);
    for (const g of refused) expect(queued.get(g) ?? 0, g).toBeLessThanOrEqual(1);
    expect(queued.size).toBeLessThanOrEqual(accepted.length + refused.length);

    // With room again, ingest accepts at once (no restart).
    expect(await post(ingest, ['after-room'])).toBe(200);
  });
});
