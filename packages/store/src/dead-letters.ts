import {
  isJsonObject,
  type AppliedSequence,
  type JsonObject,
  type JsonValue,
} from '@groupidentify/ops';
import type { Filter } from 'mongodb';
import { insertManyOnce, type Collections } from './collections.js';
import type { DeadLetterDocument } from './documents.js';
import { sequenceId } from './sequence-id.js';
import { decodeValue, encodeValue } from './stored-form.js';

/** One queued item that could not be applied, and why. */
export interface DeadLetter {
  seq: AppliedSequence;
  /** The queued item. */
  item: unknown;
  reason: string;
}

/** Who a dead-lettered item was for; absent when the whole job was unreadable. */
export interface GroupRef {
  project: string;
  group_type: string;
  group_value: string;
}

/** A dead letter as the CLI (and the operator API) shows it: item decoded, times ISO-8601. */
export interface DeadLetterView {
  id: string;
  partition: number;
  failed_at: string;
  reason: string;
  group: GroupRef | null;
  /** False for an unreadable job: there is no identification to re-enqueue. */
  replayable: boolean;
  replayed_at: string | null;
  item: JsonValue;
}

export interface DeadLetterStore {
  /** Stores letters with ids from their positions, so a redelivered job records each once. */
  add(partition: number, letters: readonly DeadLetter[], now: Date): Promise<void>;
  /**
   * A job whose data is not a job at all: one letter with its raw data, at index −1 of its
   * position (there is no item to point at, and nothing to replay).
   */
  addUnreadableJob(
    partition: number,
    job: { epoch: string; job: number },
    data: unknown,
    reason: string,
    now: Date,
  ): Promise<void>;
  /**
   * Up to `limit` letters after `after`, oldest failure first; only those never replayed with
   * `pendingOnly`. `next` is where the following page starts, undefined after the last letter.
   */
  page(options: DeadLetterPageOptions): Promise<DeadLetterPage>;
  /**
   * Every letter (not replayed yet, with `pendingOnly`), oldest failure first, in arrays of up
   * to `size`: one query read as it goes, so memory holds one array at a time. Where the store
   * cannot sort by index (FerretDB), each {@link page} sorts every letter again; this sorts them
   * once.
   */
  batches(options?: {
    pendingOnly?: boolean | undefined;
    size?: number | undefined;
  }): AsyncIterable<DeadLetterView[]>;
  /** Every letter at once: for the CLI and tests, never for a server's answer. */
  list(options?: { pendingOnly?: boolean }): Promise<DeadLetterView[]>;
  get(id: string): Promise<DeadLetterView | undefined>;
  markReplayed(ids: readonly string[], now: Date): Promise<void>;
}

/**
 * Where a page of dead letters ends: the last letter's place in failure order (its failure time,
 * then its position in the queue), so a letter added or replayed meanwhile moves nothing.
 */
export interface DeadLetterPosition {
  failedAt: Date;
  seq: AppliedSequence;
}

export interface DeadLetterPageOptions {
  pendingOnly?: boolean | undefined;
  after?: DeadLetterPosition | undefined;
  limit: number;
}

export interface DeadLetterPage {
  items: DeadLetterView[];
  next: DeadLetterPosition | undefined;
}

/** Letters a batch of {@link DeadLetterStore.batches} holds unless told (a replay's too). */
const BATCH = 1000;

/** Oldest failure first; the items of one job in job order (their ids sort as text). */
const FAILURE_ORDER = { failed_at: 1, 'seq.epoch': 1, 'seq.job': 1, 'seq.index': 1 } as const;

const pendingFilter = (pendingOnly: boolean): Filter<DeadLetterDocument> =>
  pendingOnly ? { replayed_at: { $exists: false } } : {};

const UNREADABLE_INDEX = -1;

export function deadLetterStore({ deadLetters }: Collections): DeadLetterStore {
  const add = async (partition: number, letters: readonly DeadLetter[], now: Date) => {
    await insertManyOnce(
      deadLetters,
      letters.map((l) => ({
        _id: sequenceId(l.seq),
        partition,
        seq: l.seq,
        reason: l.reason,
        failed_at: now,
        item: encodeValue(asJsonObject(l.item)) as JsonObject,
      })),
    );
  };
  const page = async ({ pendingOnly = false, after, limit }: DeadLetterPageOptions) => {
    const filter: Filter<DeadLetterDocument> = {
      ...pendingFilter(pendingOnly),
      ...(after === undefined ? {} : { $or: laterThan(after) }),
    };
    const docs = await deadLetters
      .find(filter)
      .sort(FAILURE_ORDER)
      .limit(limit + 1)
      .toArray();
    const items = docs.slice(0, limit);
    const last = items.at(-1);
    const more = docs.length > limit && last !== undefined;
    return {
      items: items.map(viewOf),
      next: more ? { failedAt: last.failed_at, seq: last.seq } : undefined,
    };
  };
  async function* batches({ pendingOnly = false, size = BATCH } = {}) {
    const cursor = deadLetters.find(pendingFilter(pendingOnly)).sort(FAILURE_ORDER).batchSize(size);
    try {
      let batch: DeadLetterView[] = [];
      for await (const doc of cursor) {
        batch.push(viewOf(doc));
        if (batch.length < size) continue;
        yield batch;
        batch = [];
      }
      if (batch.length > 0) yield batch;
    } finally {
      await cursor.close();
    }
  }
  return {
    add,
    addUnreadableJob: (partition, { epoch, job }, data, reason, now) =>
      add(partition, [{ seq: { epoch, job, index: UNREADABLE_INDEX }, item: data, reason }], now),
    page,
    batches,
    async list({ pendingOnly = false } = {}) {
      const all: DeadLetterView[] = [];
      for await (const batch of batches({ pendingOnly })) all.push(...batch);
      return all;
    },
    async get(id) {
      const doc = await deadLetters.findOne({ _id: id });
      return doc === null ? undefined : viewOf(doc);
    },
    async markReplayed(ids, now) {
      if (ids.length > 0)
        await deadLetters.updateMany({ _id: { $in: [...ids] } }, { $set: { replayed_at: now } });
    },
  };
}

/** Stored as an object: the raw data of an unreadable job may be anything. */
function asJsonObject(value: unknown): JsonObject {
  const json = JSON.parse(JSON.stringify(value ?? null)) as JsonValue;
  return isJsonObject(json) ? json : { data: json };
}

function viewOf(doc: DeadLetterDocument): DeadLetterView {
  const item = decodeValue(doc.item);
  const unreadable = doc.seq.index === UNREADABLE_INDEX;
  return {
    id: doc._id,
    partition: doc.partition,
    failed_at: doc.failed_at.toISOString(),
    reason: doc.reason,
    group: unreadable ? null : groupOf(item),
    replayable: !unreadable,
    replayed_at: doc.replayed_at?.toISOString() ?? null,
    item,
  };
}

function groupOf(item: JsonValue): GroupRef | null {
  if (!isJsonObject(item)) return null;
  const { project, group_type, group_value } = item;
  return typeof project === 'string' &&
    typeof group_type === 'string' &&
    typeof group_value === 'string'
    ? { project, group_type, group_value }
    : null;
}

/** The letters after `at` in failure order, as alternatives of a filter. */
function laterThan({ failedAt, seq }: DeadLetterPosition): Filter<DeadLetterDocument>[] {
  return [
    { failed_at: { $gt: failedAt } },
    { failed_at: failedAt, 'seq.epoch': { $gt: seq.epoch } },
    { failed_at: failedAt, 'seq.epoch': seq.epoch, 'seq.job': { $gt: seq.job } },
    {
      failed_at: failedAt,
      'seq.epoch': seq.epoch,
      'seq.job': seq.job,
      'seq.index': { $gt: seq.index },
    },
  ];
}
