import type { DeadLetterPosition } from '@groupidentify/store';
import { invalid } from '../read-api/query-params.js';

/** Opaque to clients: base64url of `[failed_at ms, epoch, job, index]` of a page's last letter. */
export function encodeDeadLetterCursor({ failedAt, seq }: DeadLetterPosition): string {
  const value = [failedAt.getTime(), seq.epoch, seq.job, seq.index];
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** The position `text` names, if it is a cursor this API returned; `400` on `cursor` if not. */
export function decodeDeadLetterCursor(text: string | undefined): DeadLetterPosition | undefined {
  if (text === undefined || text === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    value = undefined;
  }
  if (Array.isArray(value) && value.length === 4) {
    const [at, epoch, job, index] = value as unknown[];
    if (
      Number.isSafeInteger(at) &&
      typeof epoch === 'string' &&
      Number.isSafeInteger(job) &&
      Number.isSafeInteger(index)
    )
      return {
        failedAt: new Date(at as number),
        seq: { epoch, job: job as number, index: index as number },
      };
  }
  throw invalid('cursor', 'is not a cursor this API returned');
}
