import type { Queue } from 'bullmq';
import type { DeadLetterView, Store } from '@groupidentify/store';
import {
  enqueueJobs,
  limitToOneConsumer,
  parseJobPayload,
  partitionOf,
  type JobPayload,
} from '@groupidentify/queue-contract';

export interface ReplayResult {
  replayed: { id: string; partition: number; job: string | null }[];
  skipped: { id: string; reason: string }[];
}

/** A replay that cannot be done as asked; its message says why (the CLI and the API show it). */
export class ReplayError extends Error {
  override readonly name = 'ReplayError';
  constructor(
    message: string,
    readonly kind: 'not-found' | 'not-replayable' | 'wrong-partitions',
  ) {
    super(message);
  }
}

type Replayable = { letter: DeadLetterView; payload: JobPayload };
type Plan = Replayable | { letter: DeadLetterView; skip: string };

/**
 * Re-enqueues dead letters as new jobs on their partitions, in failure order, then marks them
 * replayed. Without `id`, letters already replayed are left alone; `id` replays that one letter
 * even if it was replayed before. Enqueue comes first: a crash in between replays twice rather
 * than never (a letter with an insert_id is still applied once). All letters are read in
 * batches, twice: first to check that each maps to its partition (a refusal enqueues nothing),
 * then to enqueue them a batch at a time.
 */
export async function replayDeadLetters(
  store: Store,
  queueOf: (partition: number) => Queue<JobPayload>,
  partitions: number,
  id: string | undefined,
  /** `batchSize`: letters held, checked and enqueued at a time (the store's batch unless told). */
  { now = new Date(), batchSize }: { now?: Date; batchSize?: number } = {},
): Promise<ReplayResult> {
  const result: ReplayResult = { replayed: [], skipped: [] };
  if (id !== undefined) {
    const letter = await store.deadLetters.get(id);
    if (letter === undefined) throw new ReplayError(`dead letter ${id} not found`, 'not-found');
    const plan = planOf(letter, partitions);
    if ('skip' in plan)
      throw new ReplayError(`dead letter ${id} cannot be replayed: ${plan.skip}`, 'not-replayable');
    await enqueue(store, queueOf, [plan], now, result);
    return result;
  }
  const pending = () => store.deadLetters.batches({ pendingOnly: true, size: batchSize });
  // Every letter's partition first (planOf throws on a wrong one): a refusal enqueues nothing.
  for await (const letters of pending()) letters.forEach((l) => planOf(l, partitions));
  for await (const letters of pending()) {
    const plans: Replayable[] = [];
    for (const plan of letters.map((l) => planOf(l, partitions))) {
      if ('skip' in plan) result.skipped.push({ id: plan.letter.id, reason: plan.skip });
      else plans.push(plan);
    }
    await enqueue(store, queueOf, plans, now, result);
  }
  return result;
}

/** Enqueues each partition's letters as jobs, in the order given, and marks them replayed. */
async function enqueue(
  store: Store,
  queueOf: (partition: number) => Queue<JobPayload>,
  plans: readonly Replayable[],
  now: Date,
  result: ReplayResult,
): Promise<void> {
  const byPartition = new Map<number, Replayable[]>();
  for (const plan of plans) {
    const list = byPartition.get(plan.letter.partition) ?? [];
    list.push(plan);
    byPartition.set(plan.letter.partition, list);
  }
  for (const [partition, list] of byPartition) {
    const queue = queueOf(partition);
    // Idempotent; keeps the partition serialized even if no ingest has started since a wipe.
    await limitToOneConsumer(queue);
    const jobIds = await enqueueJobs(
      queue,
      list.map((p) => p.payload),
    );
    const ids = list.map((p) => p.letter.id);
    await store.deadLetters.markReplayed(ids, now);
    ids.forEach((letter, i) =>
      result.replayed.push({ id: letter, partition, job: jobIds[i] ?? null }),
    );
  }
}

/** What one letter would become: a job of its own item, or why it cannot be replayed. */
function planOf(letter: DeadLetterView, partitions: number): Plan {
  if (!letter.replayable)
    return { letter, skip: 'unreadable job: there is no identification to re-enqueue' };
  const parsed = parseJobPayload({ v: 1, items: [letter.item] });
  if (!parsed.ok)
    return { letter, skip: `stored item is not a valid queued item: ${parsed.reason}` };
  const [item] = parsed.payload.items;
  // The letter's partition is where its group's other items go; if PARTITIONS disagrees, this
  // process runs with the wrong settings for the deployment and must not enqueue anything.
  if (item !== undefined && partitionOf(item, partitions) !== letter.partition) {
    throw new ReplayError(
      `dead letter ${letter.id} is from partition ${letter.partition}, but with ` +
        `PARTITIONS=${partitions} its group maps to ${partitionOf(item, partitions)}: set ` +
        'PARTITIONS (and QUEUE_PREFIX) to the deployment’s values',
      'wrong-partitions',
    );
  }
  return { letter, payload: parsed.payload };
}
