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
  if (p !== project || !Array.isArray(v) || v.length > MAX_CURSOR_PARTITIONS) return undefined;
  if (!v.every((n) => Number.isSafeInteger(n) && (n as number) >= 0)) return undefined;
  return { project, positions: v as number[] };
}

/** The most partitions a cursor holds. */
export const MAX_CURSOR_PARTITIONS = 4096;
