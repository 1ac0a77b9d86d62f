import type { ChangeFeedStore } from './change-feed.js';
import type { HistoryDocument } from './documents.js';
import { bodyOf, type HistoryChange } from './history.js';

/** One change as the feed shows it (docs/api.md#change-feed). */
export interface ChangeView {
  /** Resume here to get what follows this change. */
  cursor: string;
  kind: 'create' | 'update' | 'delete';
  group_type: string;
  group_value: string;
  /** The group's version after the change (for a deletion: the version it had). */
  version: number;
  accepted_at: string;
  applied_at: string;
  insert_id?: string;
  /** `{name: {from?, to?, omitted?}}`; empty for a deletion. */
  changes: Record<string, HistoryChange>;
}

/** Where a reader is: the last position it has consumed in each partition. */
export interface FeedCursor {
  project: string;
  positions: number[];
}

/** Cursors are opaque to clients: base64url of `{"p": project, "v": positions}`. */
export function encodeFeedCursor(cursor: FeedCursor): string {
  return Buffer.from(JSON.stringify({ p: cursor.project, v: cursor.positions })).toString(
    'base64url',
  );
}

/** The cursor `text` names, if it is one this feed gave out for `project`. */
export function decodeFeedCursor(text: string, project: string): FeedCursor | undefined {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  const { p, v } = (value ?? {}) as { p?: unknown; v?: unknown };
  if (p !== project || !Array.isArray(v) || v.length > 4096) return undefined;
  if (!v.every((n) => Number.isSafeInteger(n) && (n as number) >= 0)) return undefined;
  return { project, positions: v as number[] };
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
}

type Positioned = HistoryDocument & { position: number };
interface PartitionRead {
  partition: number;
  /** The position read up to. */
  to: number;
  docs: Positioned[];
  next: number;
}

/**
 * The changes after `from`, at most `limit`, where the next page starts, and the store's heads
 * (the committed position of each partition). Each partition's committed positions are read in
 * position order (a group's changes are in one partition, so in version order); partitions are
 * merged by applied time. Records that changed nothing, and other types' with `groupType`, are
 * passed over; so are positions without a record (an item that was a client retry,
 * dead-lettered, or erased). Never reads past a partition's committed position in the store:
 * what is below it is final.
 */
export async function readChangePage(
  feed: ChangeFeedStore,
  from: FeedCursor,
  options: PageOptions,
): Promise<{ items: ChangeView[]; next: FeedCursor; heads: number[] }> {
  const { project } = from;
  const positions = Array.from({ length: options.partitions }, (_, p) => from.positions[p] ?? 0);
  const announced = options.committed;
  const early = announced === undefined ? [] : behind(announced, positions);
  let heads: number[];
  let lists: PartitionRead[];
  if (early.length > 0 && announced !== undefined) {
    // Announced positions are committed (the notice came after the commit), so these reads are
    // what the store's heads would ask for; the heads still bound them, in case the store is
    // behind what was announced (restored from a backup).
    [heads, lists] = await Promise.all([
      feed.heads(project, options.partitions),
      readPartitions(feed, project, early, announced, positions, options.limit),
    ]);
    for (const list of lists)
      cutAt(list, Math.max(positions[list.partition] ?? 0, heads[list.partition] ?? 0));
  } else {
    heads = await feed.heads(project, options.partitions);
    const late = behind(heads, positions);
    if (late.length === 0) return { items: [], next: { project, positions }, heads };
    lists = await readPartitions(feed, project, late, heads, positions, options.limit);
  }
  const items: ChangeView[] = [];
  while (items.length < options.limit) {
    let pick: PartitionRead | undefined;
    for (const list of lists) {
      const doc = list.docs[list.next];
      if (doc === undefined) continue;
      const best = pick?.docs[pick.next];
      if (best === undefined || doc.applied_at < best.applied_at) pick = list;
    }
    if (pick === undefined) break;
    const doc = pick.docs[pick.next++] as Positioned;
    positions[pick.partition] = doc.position;
    const view = changeOf(doc, options.groupType);
    if (view !== undefined)
      items.push({ cursor: encodeFeedCursor({ project, positions }), ...view });
  }
  // A partition whose records were all taken is consumed up to where it was read (its holes too).
  for (const list of lists) if (list.next === list.docs.length) positions[list.partition] = list.to;
  return { items, next: { project, positions }, heads };
}

/** The partitions where `heads` are beyond `positions`. */
const behind = (heads: readonly number[], positions: readonly number[]): number[] =>
  positions.flatMap((position, p) => ((heads[p] ?? 0) > position ? [p] : []));

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
      return { partition, to, docs: await feed.read(project, partition, start, to), next: 0 };
    }),
  );
}

/** Drops what `list` read past `head`. */
function cutAt(list: PartitionRead, head: number): void {
  if (list.to <= head) return;
  list.to = head;
  list.docs = list.docs.filter((d) => d.position <= head);
}

function changeOf(
  doc: HistoryDocument,
  groupType: string | undefined,
): Omit<ChangeView, 'cursor'> | undefined {
  const kind = doc.kind ?? (doc.version === 1 ? 'create' : 'update');
  if (kind === 'none') return undefined;
  // Erasing a group that is already erased (or was never created) changes nothing.
  if (kind === 'delete' && doc.visible_version === 0) return undefined;
  const [, group_type, group_value] = JSON.parse(doc.group) as [string, string, string];
  if (groupType !== undefined && group_type !== groupType) return undefined;
  return {
    kind,
    group_type,
    group_value,
    version: doc.visible_version ?? doc.version,
    accepted_at: doc.received_at.toISOString(),
    applied_at: doc.applied_at.toISOString(),
    ...(doc.insert_id === undefined ? {} : { insert_id: doc.insert_id }),
    changes: bodyOf(doc).changes,
  };
}
