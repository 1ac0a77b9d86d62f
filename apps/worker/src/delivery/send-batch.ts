import type { DeliveryAttempt, DestinationDocument, FeedChange } from '@groupidentify/store';
import { sendWebhook } from '@groupidentify/webhooks';
import type { DeliveryLease } from './delivery-lease.js';
import type { DeliverySettings } from './delivery-settings.js';
import { webhookId } from './webhook-id.js';

/** A feed position and what it sends to this destination (undefined: nothing). */
export interface BatchEntry {
  position: number;
  change: FeedChange | undefined;
}

export interface BatchDeps {
  destination: DestinationDocument;
  partition: number;
  partitions: number;
  settings: DeliverySettings;
  lease: DeliveryLease;
  signal: AbortSignal;
  /** Every attempt, as it ends. */
  attempted: (attempt: DeliveryAttempt, ok: boolean) => void;
  /**
   * Called now and then while the batch runs: every position up to `to` is delivered or passed
   * over, `delivered` of them with a `2xx` since the last call.
   */
  progress: (to: number, delivered: number) => Promise<void>;
  /** How often `progress` is called at most (ms). */
  progressEveryMs: number;
}

/** How a batch ended: the last position delivered or passed over, and why it stopped early. */
export interface BatchEnd {
  to: number;
  /** `2xx` answers up to `to` not yet reported to `progress`. */
  delivered: number;
  /** The attempt at the first change that failed (nothing after it was recorded). */
  failure?: DeliveryAttempt;
  /** Stopped before the end: the signal aborted, or the lease ran short. */
  stopped?: 'signal' | 'lease';
}

/**
 * Sends a batch of one partition's positions, in position order, up to
 * `settings.concurrency` POSTs at once, each of a different group: a group's next change starts
 * only after its previous one's `2xx`, so each group's changes arrive in version order, while a
 * slow receiver answering one group does not hold back the others. The delivered position is
 * the last one before which everything succeeded. After a failure nothing more starts; what was
 * already in flight finishes, and those after the failed change are sent again on the retry
 * (at least once: the same `webhook-id`).
 */
export async function sendBatch(deps: BatchDeps, entries: readonly BatchEntry[], from: number) {
  const { destination, settings, lease } = deps;
  const done = new Array<boolean>(entries.length).fill(false);
  const okAt = new Array<boolean>(entries.length).fill(false);
  const busyGroups = new Map<string, Promise<void>>();
  const inFlight = new Set<Promise<void>>();
  // Each POST in flight by its entry: after a failure, the later ones are cancelled (they would
  // be sent again anyway, and a stalled one would hold up the retry).
  const cancels = new Map<number, AbortController>();
  // An object: the compiler must not take `failure` as fixed while answers come in.
  const halt: { failure?: { index: number; attempt: DeliveryAttempt } } = {};
  const failed = (): boolean => halt.failure !== undefined;
  let stopped: BatchEnd['stopped'];
  // What is reported: positions up to entries[reported - 1] and their 2xx.
  let reported = 0;
  let reportedAt = Date.now();
  let reporting: Promise<void> | undefined;

  /** The entries before which every one is done, and how many of them had a 2xx. */
  const contiguous = (): number => {
    let n = reported;
    while (
      n < entries.length &&
      done[n] === true &&
      (halt.failure === undefined || n < halt.failure.index)
    )
      n++;
    return n;
  };
  const report = async (): Promise<void> => {
    const upTo = contiguous();
    if (upTo === reported) return;
    const delivered = okAt.slice(reported, upTo).filter(Boolean).length;
    const to = (entries[upTo - 1] as BatchEntry).position;
    reported = upTo;
    reportedAt = Date.now();
    await deps.progress(to, delivered);
  };

  for (const [index, entry] of entries.entries()) {
    if (failed()) break;
    const change = entry.change;
    if (change === undefined) {
      done[index] = true;
      continue;
    }
    const group = `${change.group_type}\u0000${change.group_value ?? change.group_hash ?? ''}`;
    // A free slot, and the group's previous change answered.
    while (inFlight.size >= settings.concurrency || busyGroups.has(group)) {
      await Promise.race([...inFlight]);
      if (failed()) break;
    }
    if (failed()) break;
    if (deps.signal.aborted) {
      stopped = 'signal';
      break;
    }
    // A POST starts only while the lease outlasts its deadline (with a margin for recording
    // after it): no other process can then be delivering this partition.
    if (!lease.heldFor(settings.timeoutMs + 2_000)) {
      stopped = 'lease';
      break;
    }
    const id = webhookId(destination.project, deps.partition, entry.position, deps.partitions);
    const at = new Date();
    const cancel = new AbortController();
    cancels.set(index, cancel);
    const sending = sendWebhook({
      url: destination.url,
      secret: destination.secret,
      id,
      body: JSON.stringify({ cursor: id, ...change }),
      timeoutMs: settings.timeoutMs,
      allowPrivate: settings.allowPrivate,
      now: at,
      signal: cancel.signal,
    }).then((outcome) => {
      cancels.delete(index);
      inFlight.delete(sending);
      busyGroups.delete(group);
      if (cancel.signal.aborted) return; // not an attempt: it is sent again after the failure
      const attempt: DeliveryAttempt = {
        at,
        webhook_id: id,
        group_type: change.group_type,
        version: change.version,
        ...(outcome.status === undefined ? {} : { status: outcome.status }),
        ...(outcome.error === undefined ? {} : { error: outcome.error }),
        duration_ms: outcome.durationMs,
      };
      deps.attempted(attempt, outcome.ok);
      if (outcome.ok) {
        okAt[index] = true;
        done[index] = true;
      } else if (halt.failure === undefined || index < halt.failure.index) {
        halt.failure = { index, attempt };
        for (const [later, c] of cancels) if (later > index) c.abort();
      }
    });
    inFlight.add(sending);
    busyGroups.set(group, sending);
    if (Date.now() - reportedAt >= deps.progressEveryMs) {
      reporting ??= report().finally(() => (reporting = undefined));
    }
  }
  await Promise.all(inFlight);
  await reporting;
  const upTo = contiguous();
  const end: BatchEnd = {
    to: upTo === 0 ? from : (entries[upTo - 1] as BatchEntry).position,
    delivered: okAt.slice(reported, upTo).filter(Boolean).length,
    ...(halt.failure === undefined ? {} : { failure: halt.failure.attempt }),
    ...(stopped === undefined ? {} : { stopped }),
  };
  return end;
}
