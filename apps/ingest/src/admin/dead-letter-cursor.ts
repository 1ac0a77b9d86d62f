import type { DeadLetterPosition } from '@groupidentify/store';
import { encodeCursor, readCursor } from '../read-api/query-params.js';

/** Opaque to clients: base64url of `[failed_at ms, epoch, job, index]` of a page's last letter. */
export function encodeDeadLetterCursor({ failedAt, seq }: DeadLetterPosition): string {
  return encodeCursor([failedAt.getTime(), seq.epoch, seq.job, seq.index]);
}

/** The position `text` names, if it is a cursor this API returned; `400` on `cursor` if not. */
export function decodeDeadLetterCursor(text: string | undefined): DeadLetterPosition | undefined {
  return readCursor(text, (value) => {
    if (!Array.isArray(value) || value.length !== 4) return undefined;
    const [at, epoch, job, index] = value as unknown[];
    if (
      !Number.isSafeInteger(at) ||
      typeof epoch !== 'string' ||
      !Number.isSafeInteger(job) ||
      !Number.isSafeInteger(index)
    )
      return undefined;
    return {
      failedAt: new Date(at as number),
      seq: { epoch, job: job as number, index: index as number },
    };
  });
}
