import { randomBytes } from 'node:crypto';
import { insertManyOnce, type Collections } from './collections.js';
import type {
  DeliveryAttempt,
  DeliveryStateDocument,
  DestinationDocument,
  DestinationStatus,
} from './documents.js';

/** Attempts a partition's delivery state keeps for the console (the latest first). */
export const RECENT_ATTEMPTS = 10;

/** What `create` takes; the id, the secret and the status are made here. */
export interface NewDestination {
  project: string;
  url: string;
  groupType?: string | undefined;
  description?: string | undefined;
  /** Each partition's committed feed position now: delivery starts after it. */
  start: readonly number[];
  now: Date;
}

/** A failed attempt on the change after a partition's delivered position. */
export interface DeliveryFailure {
  attempt: DeliveryAttempt;
  /** When this change first failed. */
  failingSince: Date;
  /** When the next attempt is due. */
  retryAt: Date;
  /** The latest attempts, this one first. */
  recent: readonly DeliveryAttempt[];
}

/**
 * Webhook destinations (docs/webhooks.md) and, per destination and partition, how far delivery
 * has come. A destination's secret is kept as issued: the deliverer signs with it (the store's
 * own access control protects it, like the project keys' hashes); the API shows it once.
 */
export interface Destinations {
  create(destination: NewDestination): Promise<DestinationDocument>;
  list(project: string): Promise<DestinationDocument[]>;
  get(project: string, id: string): Promise<DestinationDocument | undefined>;
  /**
   * Pauses, resumes or marks failing. Resuming clears every partition's wait, so that a failing
   * destination is tried again at once.
   */
  setStatus(
    project: string,
    id: string,
    status: DestinationStatus,
    now: Date,
  ): Promise<DestinationDocument | undefined>;
  /** Deletes the destination and its delivery state; false when there was none. */
  remove(project: string, id: string): Promise<boolean>;
  /** Every destination of every project that is not deleted (the deliverer's list). */
  all(): Promise<DestinationDocument[]>;
  /** The delivery state of each of its partitions that has one. */
  states(id: string): Promise<DeliveryStateDocument[]>;
  state(id: string, partition: number): Promise<DeliveryStateDocument | undefined>;
  /** The partition's delivery state, made at the destination's start position if it has none. */
  open(id: string, partition: number, start: number): Promise<DeliveryStateDocument>;
  /**
   * Every change of the partition up to `position` is delivered or passed over; `delivered` more
   * of them were POSTed; a failure in progress is cleared. `recent`: the latest attempts.
   */
  advance(
    state: DeliveryStateDocument,
    position: number,
    delivered: number,
    recent: readonly DeliveryAttempt[],
  ): Promise<void>;
  failed(state: DeliveryStateDocument, failure: DeliveryFailure): Promise<void>;
}

const stateId = (id: string, partition: number): string => JSON.stringify([id, partition]);

export function destinations({ destinations: docs, deliveryStates }: Collections): Destinations {
  return {
    async create(d) {
      const doc: DestinationDocument = {
        _id: `dst_${randomBytes(8).toString('hex')}`,
        project: d.project,
        url: d.url,
        ...(d.groupType === undefined ? {} : { group_type: d.groupType }),
        ...(d.description === undefined ? {} : { description: d.description }),
        secret: `whsec_${randomBytes(24).toString('base64')}`,
        status: 'active',
        created_at: d.now,
        start: [...d.start],
      };
      await docs.insertOne(doc);
      return doc;
    },
    list: (project) => docs.find({ project }).sort({ created_at: 1, _id: 1 }).toArray(),
    async get(project, id) {
      return (await docs.findOne({ _id: id, project })) ?? undefined;
    },
    async setStatus(project, id, status, now) {
      const update =
        status === 'failing'
          ? { $set: { status, failing_since: now } }
          : { $set: { status }, $unset: { failing_since: '' as const } };
      const found = await docs.findOneAndUpdate({ _id: id, project }, update, {
        returnDocument: 'after',
      });
      if (found !== null && status === 'active')
        await deliveryStates.updateMany(
          { destination: id, retry_at: { $exists: true } },
          { $set: { retry_at: now } },
        );
      return found ?? undefined;
    },
    async remove(project, id) {
      const { deletedCount } = await docs.deleteOne({ _id: id, project });
      await deliveryStates.deleteMany({ destination: id });
      return deletedCount === 1;
    },
    all: () => docs.find({}).toArray(),
    states: (id) => deliveryStates.find({ destination: id }).sort({ partition: 1 }).toArray(),
    async state(id, partition) {
      return (await deliveryStates.findOne({ _id: stateId(id, partition) })) ?? undefined;
    },
    async open(id, partition, start) {
      const _id = stateId(id, partition);
      const found = await deliveryStates.findOne({ _id });
      if (found !== null) return found;
      const doc: DeliveryStateDocument = {
        _id,
        destination: id,
        partition,
        position: start,
        delivered: 0,
        attempts: 0,
        recent: [],
      };
      await insertManyOnce(deliveryStates, [doc]); // a racing process made the same one
      return doc;
    },
    async advance(state, position, delivered, recent) {
      await deliveryStates.updateOne(
        { _id: state._id },
        {
          $set: { position, attempts: 0, recent: recent.slice(0, RECENT_ATTEMPTS) },
          $inc: { delivered },
          $unset: { failing_since: '', retry_at: '' },
        },
      );
    },
    async failed(state, f) {
      await deliveryStates.updateOne(
        { _id: state._id },
        {
          $set: {
            failing_since: f.failingSince,
            retry_at: f.retryAt,
            last_error: f.attempt.error ?? `HTTP ${f.attempt.status ?? '?'}`,
            recent: f.recent.slice(0, RECENT_ATTEMPTS),
          },
          $inc: { attempts: 1 },
        },
      );
    },
  };
}
