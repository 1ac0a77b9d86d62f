import type { Response } from 'express';

/**
 * Calls `then` when the client closes its connection before its answer is sent, or at once if it
 * has already (while the request was signed in, or its cursor read: its 'close' was emitted then).
 */
export function onClientGone(res: Response, then: () => void): void {
  if (res.destroyed || res.socket?.destroyed === true) then();
  else res.once('close', then);
}

/**
 * Aborted when the client has closed its connection before its answer is sent: a read still
 * waiting for its project's turn or budget then gives up instead of reading for nobody.
 */
export function clientGone(res: Response): AbortSignal {
  const gone = new AbortController();
  onClientGone(res, () => gone.abort());
  return gone.signal;
}
