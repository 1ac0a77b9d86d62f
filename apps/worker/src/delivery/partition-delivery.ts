import { setTimeout as sleep } from 'node:timers/promises';
import { committedAfter, type ChangeNotices } from '@groupidentify/queue-contract';
import {
  RECENT_ATTEMPTS,
  changeViewOf,
  type DeliveryAttempt,
  type DeliveryStateDocument,
  type DestinationDocument,
  type HistoryDocument,
  type Store,
} from '@groupidentify/store';
import { retryDelayMs } from '@groupidentify/webhooks';
import type { DeliveryLease } from './delivery-lease.js';
import type { DeliverySettings } from './delivery-settings.js';
import { sendBatch } from './send-batch.js';

/** Feed positions read at once. */
const BATCH = 100;
/**
 * Delivered positions are recorded about this long after their `2xx` at most (and at the end of
 * each batch, before a failure, when stopping): one store write per change would cost more than
 * the POST itself. A crash sends again what was delivered since the last record, with the same
 * ids.
 */
const RECORD_EVERY_MS = 100;
/**
 * A caught-up loop reads the store's positions this often, in case a notice was lost (ms); in
 * between it goes by the notices alone, so that a notice for the project, which wakes every loop
 * of it, costs no store read in the loops whose partition it did not move.
 */
const STORE_READ_EVERY_MS = 2_000;

export interface PartitionDeliveryDeps {
  store: Store;
  notices: ChangeNotices;
  settings: DeliverySettings;
  partitions: number;
  /** Called after every attempt (metrics). */
  attempted?: (ok: boolean) => void;
}

/** Why a loop ended (other than by its signal). */
export type DeliveryEnd = 'stopped' | 'failing' | 'lease';

/**
 * Delivers one partition of the change feed to one destination, in position order, for as long
 * as `signal` lets it and `lease` is held (docs/webhooks.md#how-delivery-works). The partition's
 * delivered position moves only after a `2xx` (or past a position that has nothing for this
 * destination), so a change is never skipped; a failing change is retried, with growing waits,
 * and holds back this partition of this destination only. Ends `failing` when a change has
 * failed for `failingAfterMs`: the destination is then marked `failing`.
 */
export async function deliverPartition(
  deps: PartitionDeliveryDeps,
  destination: DestinationDocument,
  partition: number,
  lease: DeliveryLease,
  signal: AbortSignal,
): Promise<DeliveryEnd> {
  const { store, notices, settings } = deps;
  const { project } = destination;
  let state = await store.destinations.open(
    destination._id,
    partition,
    destination.start[partition] ?? 0,
  );
  let recent: DeliveryAttempt[] = state.recent;
  let storeReadAt = 0;

  /** Records (and the positions without one) up to `to` are delivered or passed over. */
  const advance = async (to: number, delivered: number): Promise<void> => {
    if (to <= state.position) return;
    await store.destinations.advance(state, to, delivered, recent);
    state = omitFailure({ ...state, position: to, delivered: state.delivered + delivered });
  };

  /**
   * Notes a failed attempt at the change after the delivered position and when to try again;
   * true when it has failed for so long that the destination is now `failing`.
   */
  const recordFailure = async (attempt: DeliveryAttempt): Promise<boolean> => {
    const now = attempt.at;
    const failingSince = state.failing_since ?? now;
    const attempts = state.attempts + 1;
    const retryAt = new Date(now.getTime() + retryDelayMs(attempts, settings.retry));
    await store.destinations.failed(state, { attempt, failingSince, retryAt, recent });
    state = {
      ...state,
      attempts,
      failing_since: failingSince,
      retry_at: retryAt,
      last_error: attempt.error ?? '',
    };
    if (now.getTime() - failingSince.getTime() < settings.failingAfterMs) return false;
    await store.destinations.setStatus(project, destination._id, 'failing', now);
    return true;
  };

  while (!signal.aborted) {
    const due = state.retry_at?.getTime() ?? 0;
    if (due > Date.now()) {
      await sleep(due - Date.now(), undefined, { signal }).catch(() => undefined);
      continue;
    }
    const seen = notices.counter(project);
    const storeDue = Date.now() - storeReadAt >= STORE_READ_EVERY_MS;
    if (storeDue) storeReadAt = Date.now();
    const committed = await committedAfter(
      store.feed,
      notices,
      project,
      partition,
      state.position,
      deps.partitions,
      storeDue,
    );
    if (committed <= state.position) {
      await notices.wait(project, seen, STORE_READ_EVERY_MS, signal);
      continue;
    }
    const to = Math.min(committed, state.position + BATCH);
    const records = await store.feed.read(project, partition, state.position, to);
    const batch = await sendBatch(
      {
        destination,
        partition,
        partitions: deps.partitions,
        settings,
        lease,
        signal,
        attempted: (attempt, ok) => {
          recent = [attempt, ...recent].slice(0, RECENT_ATTEMPTS);
          deps.attempted?.(ok);
        },
        progress: advance,
        progressEveryMs: RECORD_EVERY_MS,
      },
      records.map((r) => ({ position: r.position, change: changeFor(destination, r) })),
      state.position,
    );
    const whole = batch.failure === undefined && batch.stopped === undefined;
    // A whole batch is delivered or passed over up to `to`: the positions without a record are holes.
    await advance(whole ? to : batch.to, batch.delivered);
    if (batch.stopped !== undefined) return batch.stopped === 'lease' ? 'lease' : 'stopped';
    if (batch.failure !== undefined && (await recordFailure(batch.failure))) return 'failing';
  }
  return 'stopped';
}

/** What `record` sends to `destination`: undefined when nothing (no change, another type). */
function changeFor(destination: DestinationDocument, record: HistoryDocument) {
  const change = changeViewOf(record);
  if (change === undefined) return undefined;
  if (destination.group_type !== undefined && change.group_type !== destination.group_type)
    return undefined;
  return change;
}

function omitFailure(state: DeliveryStateDocument): DeliveryStateDocument {
  const { failing_since: _since, retry_at: _at, last_error: _error, ...rest } = state;
  return { ...rest, attempts: 0 };
}
