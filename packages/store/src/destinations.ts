import { randomBytes } from 'node:crypto';
import type { ChangeFeedStore } from './change-feed.js';
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
  /** How many destinations `project` has, whatever their status. */
  count(project: string): Promise<number>;
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
    count: (project) => docs.countDocuments({ project }),
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

/** A destination as the API and the CLI show it: never its secret; dates as ISO-8601 text. */
export interface DestinationView {
  id: string;
  url: string;
  /** Only changes of groups of this type; null for every type. */
  group_type: string | null;
  description: string | null;
  status: DestinationStatus;
  created_at: string;
  /** Set with status `failing`: when delivery gave up retrying; null otherwise. */
  failing_since: string | null;
}

/** How far delivery has come in one partition (a partition without a state has none yet). */
export interface PartitionDeliveryView {
  partition: number;
  position: number;
  delivered: number;
  attempts: number;
  failing_since: string | null;
  retry_at: string | null;
  last_error: string | null;
}

/** A destination with its delivery: what `GET /api/destinations/{id}` answers and the CLI shows. */
export type DestinationDetail = DestinationView & DeliverySummary;

/**
 * Each of `docs` (one project's) with its delivery, the project's feed heads read once for all
 * (`partitions`: the partition count).
 */
export async function destinationDetails(
  store: { destinations: Destinations; feed: Pick<ChangeFeedStore, 'heads'> },
  project: string,
  docs: readonly DestinationDocument[],
  partitions: number,
): Promise<DestinationDetail[]> {
  const [heads, states] = await Promise.all([
    store.feed.heads(project, partitions),
    Promise.all(docs.map((doc) => store.destinations.states(doc._id))),
  ]);
  return docs.map((doc, i) => ({
    ...destinationView(doc),
    ...summarize(doc, states[i] ?? [], heads),
  }));
}

/** One delivery attempt as shown: `at` as ISO-8601 text. */
export type DeliveryAttemptView = Omit<DeliveryAttempt, 'at'> & { at: string };

/** Delivery of one destination, over its partitions. */
export interface DeliverySummary {
  /** Changes delivered (2xx), all partitions together. */
  delivered: number;
  /**
   * Feed positions after what is delivered or passed over, up to each partition's committed
   * head: an upper bound on the changes waiting, since a position that changed nothing, or a
   * change of another group type than the destination's, counts until delivery passes over it.
   */
  pending: number;
  /** The error of the partition failing longest; null when none is failing. */
  last_error: string | null;
  /**
   * With status `failing`, when the destination gave up; otherwise since when its partition
   * failing longest has been failing; null when none is.
   */
  failing_since: string | null;
  /** Each partition with a delivery state, in partition order. */
  partitions: PartitionDeliveryView[];
  /** The latest {@link RECENT_ATTEMPTS} attempts over all partitions, newest first. */
  recent: DeliveryAttemptView[];
}

const iso = (at: Date | undefined): string | null => at?.toISOString() ?? null;

export function destinationView(doc: DestinationDocument): DestinationView {
  return {
    id: doc._id,
    url: doc.url,
    group_type: doc.group_type ?? null,
    description: doc.description ?? null,
    status: doc.status,
    created_at: doc.created_at.toISOString(),
    failing_since: iso(doc.failing_since),
  };
}

/**
 * What the API's `GET /api/destinations/{id}` and the CLI show of delivery: `states` are the
 * destination's delivery states, `heads` each partition's committed feed position now (its
 * length is the partition count).
 */
export function summarize(
  doc: DestinationDocument,
  states: readonly DeliveryStateDocument[],
  heads: readonly number[],
): DeliverySummary {
  const byPartition = new Map(states.map((s) => [s.partition, s]));
  const pending = heads.reduce((sum, head, p) => {
    const done = byPartition.get(p)?.position ?? doc.start[p] ?? 0;
    return sum + Math.max(0, head - done);
  }, 0);
  const failing = states
    .filter(
      (s): s is DeliveryStateDocument & { failing_since: Date } => s.failing_since !== undefined,
    )
    .sort(
      (a, b) => a.failing_since.getTime() - b.failing_since.getTime() || a.partition - b.partition,
    );
  const longest = failing[0];
  const recent = states
    .flatMap((s) => s.recent)
    .sort((a, b) => b.at.getTime() - a.at.getTime())
    .slice(0, RECENT_ATTEMPTS);
  return {
    delivered: states.reduce((sum, s) => sum + s.delivered, 0),
    pending,
    last_error: longest?.last_error ?? null,
    failing_since:
      doc.status === 'failing' && doc.failing_since !== undefined
        ? doc.failing_since.toISOString()
        : iso(longest?.failing_since),
    partitions: [...states]
      .sort((a, b) => a.partition - b.partition)
      .map((s) => ({
        partition: s.partition,
        position: s.position,
        delivered: s.delivered,
        attempts: s.attempts,
        failing_since: iso(s.failing_since),
        retry_at: iso(s.retry_at),
        last_error: s.last_error ?? null,
      })),
    recent: recent.map((a) => ({ ...a, at: a.at.toISOString() })),
  };
}
