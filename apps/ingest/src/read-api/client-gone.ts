import type { Response } from 'express';

/**
 * Aborted when the client closes its connection before its answer is sent: a read still waiting
 * for its project's turn or budget then gives up instead of reading for nobody.
 */
export function clientGone(res: Response): AbortSignal {
  const gone = new AbortController();
  res.once('close', () => gone.abort());
  return gone.signal;
}
