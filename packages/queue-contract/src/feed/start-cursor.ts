import { decodeFeedCursor, type ChangeFeedStore, type FeedCursor } from '@groupidentify/store';

/** `after` names no start point: neither `now` nor a cursor of the project (a `400`). */
export class InvalidCursor extends Error {
  constructor() {
    super('Invalid cursor');
    this.name = 'InvalidCursor';
  }
}

/**
 * Where a reader of `project` starts (docs/api.md#change-feed): `undefined`, the beginning;
 * `now`, the store's positions (only what comes next); else a cursor this feed gave out for
 * `project`, with the partitions added since it was given out starting at 0. Throws
 * {@link InvalidCursor} for anything else, and what the store throws.
 */
export async function startCursor(
  feed: Pick<ChangeFeedStore, 'heads'>,
  project: string,
  partitions: number,
  after: string | undefined,
): Promise<FeedCursor> {
  if (after === undefined) return { project, positions: new Array<number>(partitions).fill(0) };
  if (after === 'now') return { project, positions: await feed.heads(project, partitions) };
  const cursor = decodeFeedCursor(after, project);
  if (cursor === undefined) throw new InvalidCursor();
  // A cursor from before a change of the partition count: new partitions start at 0.
  const positions = Array.from({ length: partitions }, (_, p) => cursor.positions[p] ?? 0);
  return { project, positions };
}
