import type { ChangeFeedStore } from './change-feed.js';
import { changeViewOf, type ChangeView, type FeedChange } from './change-view.js';
import type { HistoryDocument } from './documents.js';
import { encodeFeedCursor, type FeedCursor } from './feed-cursor.js';

/**
 * What the workers announced of one partition after a position: every change at the positions
 * after it up to `to`, in position order (a position not listed changed nothing), all committed.
 */
export interface AnnouncedChanges {
  to: number;
  changes: readonly { position: number; change: FeedChange }[];
}

export interface PageOptions {
  limit: number;
  /** Only changes of groups of this type (the others are passed over). */
  groupType?: string | undefined;
  /** The service's partition count. */
  partitions: number;
  /**
   * Positions known to be committed, per partition (announced by the workers): the partitions
   * where they are beyond `from` are read at once, while the store's heads are read, instead of
   * after them.
   */
  committed?: readonly number[] | undefined;
  /**
   * The changes the workers announced after `position` in `partition`, if they are all still
   * known from there: those partitions are taken from them, not read from the store.
   */
  announced?: ((partition: number, position: number) => AnnouncedChanges | undefined) | undefined;
}

/** A position with a record: announced as its change, or read from the store. */
interface Entry {
  position: number;
  /** ms since the epoch: partitions are merged by it. */
  appliedAt: number;
  change?: FeedChange;
  /** Decoded only if the page takes it (a page reads a little more than it takes). */
  record?: HistoryDocument;
}

interface PartitionRead {
  partition: number;
  /** The position read up to. */
  to: number;
  entries: Entry[];
  next: number;
}

/**
 * The changes after `from`, at most `limit`, where the next page starts, and the store's heads
 * when they were read (the committed position of each partition). Each partition's committed
 * positions are read in position order (a group's changes are in one partition, so in version
 * order); partitions are merged by applied time. Records that changed nothing, and other types'
 * with `groupType`, are passed over; so are positions without a record (an item that was a
 * client retry, dead-lettered, or erased). Never reads past a committed position: the store's,
 * or one a worker announced after its commit.
 */
export async function readChangePage(
  feed: ChangeFeedStore,
  from: FeedCursor,
  options: PageOptions,
): Promise<{ items: ChangeView[]; next: FeedCursor; heads: number[] | undefined }> {
  const { project } = from;
  const positions = Array.from({ length: options.partitions }, (_, p) => from.positions[p] ?? 0);
  const lists: PartitionRead[] = [];
  for (const [partition, position] of positions.entries()) {
    const announced = options.announced?.(partition, position);
    if (announced !== undefined && announced.to > position)
      lists.push({ partition, to: announced.to, entries: entriesOf(announced), next: 0 });
  }
  const taken = new Set(lists.map((l) => l.partition));
  const committed = options.committed;
  const early =
    committed === undefined ? [] : behind(committed, positions).filter((p) => !taken.has(p));
  let heads: number[] | undefined;
  if (early.length > 0 && committed !== undefined) {
    // Announced positions are committed (the notice came after the commit), so these reads are
    // what the store's heads would ask for; the heads still bound them, and the changes taken
    // from announcements, in case the store is behind what was announced (restored from a
    // backup).
    let read: PartitionRead[];
    [heads, read] = await Promise.all([
      feed.heads(project, options.partitions),
      readPartitions(feed, project, early, committed, positions, options.limit),
    ]);
    lists.push(...read);
    for (const list of lists)
      cutAt(list, Math.max(positions[list.partition] ?? 0, heads[list.partition] ?? 0));
  } else if (lists.length === 0) {
    heads = await feed.heads(project, options.partitions);
    const late = behind(heads, positions);
    if (late.length === 0) return { items: [], next: { project, positions }, heads };
    lists.push(...(await readPartitions(feed, project, late, heads, positions, options.limit)));
  }
  const items: ChangeView[] = [];
  while (items.length < options.limit) {
    let pick: PartitionRead | undefined;
    for (const list of lists) {
      const entry = list.entries[list.next];
      if (entry === undefined) continue;
      const best = pick?.entries[pick.next];
      if (best === undefined || entry.appliedAt < best.appliedAt) pick = list;
    }
    if (pick === undefined) break;
    const { position, change: announced, record } = pick.entries[pick.next++] as Entry;
    positions[pick.partition] = position;
    // Undefined: the position's record changed nothing.
    const change = announced ?? (record === undefined ? undefined : changeViewOf(record));
    if (change === undefined) continue;
    if (options.groupType !== undefined && change.group_type !== options.groupType) continue;
    items.push({ cursor: encodeFeedCursor({ project, positions }), ...change });
  }
  // A partition whose records were all taken is consumed up to where it was read (its holes too).
  for (const list of lists)
    if (list.next === list.entries.length) positions[list.partition] = list.to;
  return { items, next: { project, positions }, heads };
}

/** The partitions where `heads` are beyond `positions`. */
const behind = (heads: readonly number[], positions: readonly number[]): number[] =>
  positions.flatMap((position, p) => ((heads[p] ?? 0) > position ? [p] : []));

const entriesOf = (announced: AnnouncedChanges): Entry[] =>
  announced.changes.map(({ position, change }) => ({
    position,
    appliedAt: Date.parse(change.applied_at),
    change,
  }));

/**
 * Reads each of `partitions` from its position towards its head: an even share of the page, and
 * a little more. What a page does not take is read again by the next one, so reading more
 * costs a loaded store twice.
 */
function readPartitions(
  feed: ChangeFeedStore,
  project: string,
  partitions: readonly number[],
  heads: readonly number[],
  positions: readonly number[],
  limit: number,
): Promise<PartitionRead[]> {
  const window = Math.max(16, Math.ceil((limit * 5) / 4 / partitions.length));
  return Promise.all(
    partitions.map(async (partition) => {
      const start = positions[partition] ?? 0;
      const to = Math.min(heads[partition] ?? 0, start + window);
      const docs = await feed.read(project, partition, start, to);
      const entries = docs.map((record) => ({
        position: record.position,
        appliedAt: record.applied_at.getTime(),
        record,
      }));
      return { partition, to, entries, next: 0 };
    }),
  );
}

/** Drops what `list` read past `head`. */
function cutAt(list: PartitionRead, head: number): void {
  if (list.to <= head) return;
  list.to = head;
  list.entries = list.entries.filter((e) => e.position <= head);
}
