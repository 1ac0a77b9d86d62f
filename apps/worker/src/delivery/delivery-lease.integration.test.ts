import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { pollUntil, uniqueName } from '@groupidentify/local-services';
import { DeliveryLease, deliveryLeaseKey } from './delivery-lease.js';

// docs/webhooks.md#where-delivery-runs: one holder per (destination, partition), on a real Redis.
let redis: Redis;
beforeAll(() => {
  redis = new Redis(inject('redisUrl'));
});
afterAll(() => {
  redis.disconnect();
});

const key = () => deliveryLeaseKey(uniqueName('lease'), 'dst_0123456789abcdef', 3);

describe('delivery lease', () => {
  it('is held by one process at a time; only its holder renews or releases it', async () => {
    const k = key();
    const [a, b] = [new DeliveryLease(redis, k, 30_000), new DeliveryLease(redis, k, 30_000)];
    const taken = await Promise.all([a.acquire(), b.acquire(), a.acquire()]);
    expect(taken.filter(Boolean)).toHaveLength(1);
    const [holder, other] = taken[1] ? [b, a] : [a, b];
    expect(holder.heldFor(20_000)).toBe(true);
    expect(other.heldFor(0)).toBe(false);
    expect(await other.renew()).toBe(false);
    await other.release(); // not its lease: nothing happens
    expect(await holder.renew()).toBe(true);
    expect(await other.acquire()).toBe(false);
    await holder.release();
    expect(holder.heldFor(0)).toBe(false);
    expect(await other.acquire()).toBe(true);
    expect(await holder.renew()).toBe(false);
  });

  it('expires when not renewed, and is then another process’s', async () => {
    const k = key();
    const dead = new DeliveryLease(redis, k, 1000);
    expect(await dead.acquire()).toBe(true);
    const next = new DeliveryLease(redis, k, 1000);
    await pollUntil(async () => ((await next.acquire()) ? true : undefined), {
      timeoutMs: 10_000,
      description: 'the unrenewed lease to expire and be taken',
    });
    expect(await dead.renew()).toBe(false);
    expect(dead.heldFor(0)).toBe(false);
  });
});
