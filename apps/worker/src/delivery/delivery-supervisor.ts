import { ChangeNotices, type RedisClient } from '@groupidentify/queue-contract';
import type { DestinationDocument, Store } from '@groupidentify/store';
import type { Logger } from 'pino';
import { setTimeout as sleep } from 'node:timers/promises';
import { DeliveryLease, deliveryLeaseKey } from './delivery-lease.js';
import type { DeliverySettings } from './delivery-settings.js';
import { deliverPartition } from './partition-delivery.js';

export interface DeliverySupervisorDeps {
  store: Store;
  /** For the leases. */
  redis: RedisClient;
  /** A connection of its own for the change notices, made when there is something to deliver. */
  subscriber: () => RedisClient;
  prefix: string;
  partitions: number;
  settings: DeliverySettings;
  logger: Logger;
  attempted?: (ok: boolean) => void;
}

/** A store or Redis error in a loop: wait this long, then start it again (ms). */
const ERROR_PAUSE_MS = 1_000;

interface Loop {
  destination: DestinationDocument;
  lease: DeliveryLease;
  abort: AbortController;
  done: Promise<void>;
}

/**
 * Runs this process's share of webhook delivery (docs/webhooks.md#where-delivery-runs): every
 * `scanMs` it lists the destinations, renews the leases it holds, stops the loops of destinations
 * no longer active, and takes the lease of every (active destination, partition) nobody holds,
 * starting a {@link deliverPartition} loop for each lease it gets. A process that dies stops
 * renewing: its leases expire and the other processes take them over.
 */
export class DeliverySupervisor {
  private readonly loops = new Map<string, Loop>();
  private notices: Promise<ChangeNotices> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private scanning: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly deps: DeliverySupervisorDeps) {}

  start(): void {
    const scan = () => {
      this.scanning ??= this.scan()
        .catch((err: unknown) =>
          this.deps.logger.warn({ err: (err as Error).message }, 'delivery scan failed'),
        )
        .finally(() => (this.scanning = undefined));
    };
    scan();
    this.timer = setInterval(scan, this.deps.settings.scanMs);
  }

  /** The (destination, partition) loops running here. */
  get running(): number {
    return this.loops.size;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await this.scanning;
    await Promise.all([...this.loops.keys()].map((key) => this.stop(key)));
    const notices = this.notices;
    this.notices = undefined;
    await (await notices?.catch(() => undefined))?.close();
  }

  private async scan(): Promise<void> {
    const { store, settings, partitions } = this.deps;
    const active = new Map(
      (await store.destinations.all()).filter((d) => d.status === 'active').map((d) => [d._id, d]),
    );
    const renewals = [...this.loops].map(async ([key, loop]) => {
      if (!active.has(loop.destination._id) || !(await loop.lease.renew().catch(() => false)))
        await this.stop(key);
    });
    await Promise.all(renewals);
    if (active.size === 0 || this.closed) return;
    const notices = await (this.notices ??= ChangeNotices.subscribe(
      this.deps.subscriber(),
      this.deps.prefix,
    ));
    const takes: Promise<void>[] = [];
    for (const destination of active.values())
      for (let partition = 0; partition < partitions; partition++) {
        const key = deliveryLeaseKey(this.deps.prefix, destination._id, partition);
        if (this.loops.has(key)) continue;
        const lease = new DeliveryLease(this.deps.redis, key, settings.leaseMs);
        takes.push(
          lease.acquire().then((taken) => {
            if (taken && !this.closed) this.run(key, destination, partition, lease, notices);
          }),
        );
      }
    await Promise.all(takes);
  }

  private run(
    key: string,
    destination: DestinationDocument,
    partition: number,
    lease: DeliveryLease,
    notices: ChangeNotices,
  ): void {
    const abort = new AbortController();
    const { signal } = abort;
    const loopDeps = { ...this.deps, notices };
    const done = (async () => {
      while (!signal.aborted) {
        try {
          const end = await deliverPartition(loopDeps, destination, partition, lease, signal);
          if (end !== 'stopped') break; // failing, or the lease ran short: the next scan decides
        } catch (error) {
          this.deps.logger.warn(
            { err: (error as Error).message, destination: destination._id, partition },
            'delivery loop failed; starting it again',
          );
          await sleep(ERROR_PAUSE_MS, undefined, { signal }).catch(() => undefined);
        }
      }
    })().finally(() => {
      if (this.loops.get(key)?.done === done) this.loops.delete(key);
      void lease.release();
    });
    this.loops.set(key, { destination, lease, abort, done });
  }

  private async stop(key: string): Promise<void> {
    const loop = this.loops.get(key);
    if (loop === undefined) return;
    loop.abort.abort();
    await loop.done;
  }
}
