import { randomUUID } from 'node:crypto';
import type { RedisClient } from '@groupidentify/queue-contract';

// Compare-and-act: only the holder named by the token renews or releases its lease.
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('del', KEYS[1]) else return 0 end`;

/**
 * A Redis lease on one (destination, partition): whoever holds it is the only process delivering
 * that partition to that destination (docs/webhooks.md#where-delivery-runs). Taken with `SET NX
 * PX`, renewed and released only by its holder (a Lua compare on its token). `validUntil` is this
 * process's own view of the lease: the time its last successful renewal was *sent* plus the lease
 * length, so it can only be earlier than Redis's.
 */
export class DeliveryLease {
  private readonly token = randomUUID();
  private validUntil = 0;

  constructor(
    private readonly redis: RedisClient,
    readonly key: string,
    private readonly leaseMs: number,
  ) {}

  /** Takes the lease if nobody holds it; true when this process holds it now. */
  async acquire(): Promise<boolean> {
    const sent = Date.now();
    const taken = await this.redis.set(this.key, this.token, 'PX', this.leaseMs, 'NX');
    if (taken === 'OK') this.validUntil = sent + this.leaseMs;
    return taken === 'OK';
  }

  /** Extends the lease; false (and no longer held) when it was lost. */
  async renew(): Promise<boolean> {
    const sent = Date.now();
    const renewed = (await this.redis.eval(RENEW, 1, this.key, this.token, this.leaseMs)) === 1;
    this.validUntil = renewed ? sent + this.leaseMs : 0;
    return renewed;
  }

  async release(): Promise<void> {
    this.validUntil = 0;
    await this.redis.eval(RELEASE, 1, this.key, this.token).catch(() => undefined);
  }

  /** Whether the lease is held for at least `ms` more, by this process's clock. */
  heldFor(ms: number): boolean {
    return Date.now() + ms < this.validUntil;
  }
}

/** The Redis key of a (destination, partition)'s lease. */
export const deliveryLeaseKey = (prefix: string, destination: string, partition: number): string =>
  `${prefix}:delivery:${destination}:${partition}`;
