import { Agent, request } from 'node:http';
import { FORM } from './bodies.js';

/** POSTs one form body; resolves with the status once the answer is read. */
export function postForm(url: string, body: Buffer, agent: Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}/groupidentify`,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': FORM, 'content-length': body.length },
        timeout: 30_000,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`POST ${url} timed out`)));
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Sends every body to ingest, in order of start, `concurrency` at a time on keep-alive
 * connections; fails on the first non-200 (a preload must be complete to be timed).
 */
export async function postAll(
  url: string,
  bodies: readonly Buffer[],
  concurrency = 8,
): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  let next = 0;
  const lane = async () => {
    while (next < bodies.length) {
      const body = bodies[next++] as Buffer;
      const status = await postForm(url, body, agent);
      if (status !== 200) throw new Error(`preload POST answered ${status}`);
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, lane));
  } finally {
    agent.destroy();
  }
}
