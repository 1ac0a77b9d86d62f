import {
  enqueueJobs,
  limitToOneConsumer,
  openPartitionQueue,
  parseJobPayload,
  partitionOf,
  type JobPayload,
  type RedisClient,
} from '@groupidentify/queue-contract';
import type { DeadLetterView, Store } from '@groupidentify/store';
import { CliError } from './cli-error.js';
import type { CliConfig } from './config.js';

export interface ReplayResult {
  replayed: { id: string; partition: number; job: string | null }[];
  skipped: { id: string; reason: string }[];
}

type Plan = { doc: DeadLetterView; payload: JobPayload } | { doc: DeadLetterView; skip: string };

/** What one letter would become: a job of its own item, or why it cannot be replayed. */
function planOf(doc: DeadLetterView, partitions: number): Plan {
  if (!doc.replayable)
    return { doc, skip: 'unreadable job: there is no identification to re-enqueue' };
  const parsed = parseJobPayload({ v: 1, items: [doc.item] });
  if (!parsed.ok) return { doc, skip: `stored item is not a valid queued item: ${parsed.reason}` };
  const [item] = parsed.payload.items;
  // The letter's partition is where its group's other items go; if PARTITIONS disagrees, this CLI
  // is pointed at the deployment with the wrong settings and should not enqueue anything.
  if (item !== undefined && partitionOf(item, partitions) !== doc.partition) {
    throw new CliError(
      `dead letter ${doc.id} is from partition ${doc.partition}, but with PARTITIONS=${partitions} ` +
        `its group maps to ${partitionOf(item, partitions)}: set PARTITIONS (and QUEUE_PREFIX) ` +
        'to the deployment’s values',
    );
  }
  return { doc, payload: parsed.payload };
}

async function selectLetters(store: Store, id: string | undefined): Promise<DeadLetterView[]> {
  if (id === undefined) return store.deadLetters.list({ pendingOnly: true });
  const doc = await store.deadLetters.get(id);
  if (doc === undefined) throw new CliError(`dead letter ${id} not found`);
  return [doc];
}

/**
 * Re-enqueues dead letters as new jobs on their partitions, in failure order, then marks them
 * `replayed_at`. Without `id`, letters already replayed are left alone; `id` replays that one
 * letter even if it was replayed before. Enqueue comes first: a crash in between replays twice
 * rather than never (a letter with an insert_id is still applied once).
 */
export async function replayDeadLetters(
  store: Store,
  redis: RedisClient,
  config: CliConfig,
  id: string | undefined,
  now = new Date(),
): Promise<ReplayResult> {
  const plans = (await selectLetters(store, id)).map((doc) => planOf(doc, config.PARTITIONS));
  const result: ReplayResult = { replayed: [], skipped: [] };
  const byPartition = new Map<number, { doc: DeadLetterView; payload: JobPayload }[]>();
  for (const plan of plans) {
    if ('skip' in plan) {
      if (id !== undefined)
        throw new CliError(`dead letter ${id} cannot be replayed: ${plan.skip}`);
      result.skipped.push({ id: plan.doc.id, reason: plan.skip });
      continue;
    }
    const list = byPartition.get(plan.doc.partition) ?? [];
    list.push(plan);
    byPartition.set(plan.doc.partition, list);
  }
  for (const [partition, list] of byPartition) {
    const jobIds = await enqueue(
      redis,
      config.QUEUE_PREFIX,
      partition,
      list.map((p) => p.payload),
    );
    const ids = list.map((p) => p.doc.id);
    await store.deadLetters.markReplayed(ids, now);
    ids.forEach((letter, i) =>
      result.replayed.push({ id: letter, partition, job: jobIds[i] ?? null }),
    );
  }
  return result;
}

/** One job per item, as ingest enqueues them. */
async function enqueue(
  redis: RedisClient,
  base: string,
  partition: number,
  payloads: JobPayload[],
): Promise<(string | null)[]> {
  const queue = openPartitionQueue(redis, base, partition);
  try {
    // Idempotent; keeps the partition serialized even if no ingest has started since a wipe.
    await limitToOneConsumer(queue);
    return (await enqueueJobs(queue, payloads)).map((id) => id ?? null);
  } finally {
    await queue.close();
  }
}
