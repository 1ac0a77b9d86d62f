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
}

/**
 * The changes after `from`, at most `limit`, and where the next page starts. Each partition's
 * committed positions are read in position order (a group's changes are in one partition, so in
 * version order); partitions are merged by applied time. Records that changed nothing, and
 * other types' with `groupType`, are passed over; so are positions without a record (an item
 * that was a client retry, dead-lettered, or erased). Never reads past a partition's committed
 * position: what is below it is final.
 */
export async function readChangePage(
  feed: ChangeFeedStore,
  from: FeedCursor,
  options: PageOptions,
): Promise<{ items: ChangeView[]; next: FeedCursor }> {
  const { project } = from;
  const heads = await feed.heads(project, options.partitions);
  const positions = heads.map((_, p) => from.positions[p] ?? 0);
  const behind = heads.flatMap((head, p) => (head > (positions[p] ?? 0) ? [p] : []));
  if (behind.length === 0) return { items: [], next: { project, positions } };
  // An even share of the page from each partition behind, and a little more: what a page does
  // not take is read again by the next one, so reading more costs a loaded store twice.
  const window = Math.max(16, Math.ceil((options.limit * 5) / 4 / behind.length));
  const lists = await Promise.all(
    behind.map(async (p) => {
      const start = positions[p] ?? 0;
      const to = Math.min(heads[p] ?? 0, start + window);
      return { partition: p, to, docs: await feed.read(project, p, start, to), next: 0 };
    }),
  );
  const items: ChangeView[] = [];
  while (items.length < options.limit) {
    let pick: (typeof lists)[number] | undefined;
    for (const list of lists) {
      const doc = list.docs[list.next];
      if (doc === undefined) continue;
      const best = pick?.docs[pick.next];
      if (best === undefined || doc.applied_at < best.applied_at) pick = list;
    }
    if (pick === undefined) break;
    const doc = pick.docs[pick.next++] as HistoryDocument & { position: number };
    positions[pick.partition] = doc.position;
    const view = changeOf(doc, options.groupType);
    if (view !== undefined)
      items.push({ cursor: encodeFeedCursor({ project, positions }), ...view });
  }
  // A partition whose records were all taken is consumed up to where it was read (its holes too).
  for (const list of lists) if (list.next === list.docs.length) positions[list.partition] = list.to;
  return { items, next: { project, positions } };
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
