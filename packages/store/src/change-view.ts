import type { HistoryDocument } from './documents.js';
import { bodyOf, type HistoryChange } from './history.js';

/** One change as the feed shows it (docs/api.md#change-feed). */
export interface ChangeView {
  /** Resume here to get what follows this change. */
  cursor: string;
  kind: 'create' | 'update' | 'delete';
  group_type: string;
  /** Absent in a `delete` entry: {@link ChangeView.group_hash} stands for it. */
  group_value?: string;
  /** A `delete` entry's keyed hash of the group's value (docs/api.md#change-feed). */
  group_hash?: string;
  /** The group's version after the change (for a deletion: the version it had). */
  version: number;
  accepted_at: string;
  applied_at: string;
  insert_id?: string;
  /** `{name: {from?, to?, omitted?}}`; empty for a deletion. */
  changes: Record<string, HistoryChange>;
}

/** A change without its cursor (which depends on where the reader started). */
export type FeedChange = Omit<ChangeView, 'cursor'>;

/**
 * The change a history record shows in the feed, or undefined for a record that changed nothing
 * (an identification that set what was there, or erasing a group that did not exist).
 */
export function changeViewOf(doc: HistoryDocument): FeedChange | undefined {
  const kind = doc.kind ?? (doc.version === 1 ? 'create' : 'update');
  if (kind === 'none') return undefined;
  if (kind === 'delete' && doc.visible_version === 0) return undefined;
  const [, group_type, group_value] = JSON.parse(doc.group) as [string, string, string?];
  return {
    kind,
    group_type,
    ...(doc.group_hash !== undefined || group_value === undefined
      ? { group_hash: doc.group_hash ?? '' }
      : { group_value }),
    version: doc.visible_version ?? doc.version,
    accepted_at: doc.received_at.toISOString(),
    applied_at: doc.applied_at.toISOString(),
    ...(doc.insert_id === undefined ? {} : { insert_id: doc.insert_id }),
    changes: bodyOf(doc).changes,
  };
}
