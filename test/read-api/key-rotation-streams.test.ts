import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basic } from '../helpers/http.js';
import { startTestIngest, type TestIngest } from '../helpers/ingest.js';

// Rotating a project's keys ends its open change streams and long polls within 5 s
// (docs/guarantees.md#key-rotation-ends-open-streams): the stream ends, the long poll answers 401.

let ingest: TestIngest;
beforeAll(async () => {
  ingest = await startTestIngest();
});
afterAll(async () => {
  await ingest.close();
});

/** `promise`, or a failure naming `what` after `ms` (a deadline, not a timing). */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Reads a stream's body to its end. */
async function readToEnd(res: Response): Promise<string> {
  return res.text();
}

describe('after project rotate-keys', () => {
  it('an open SSE stream ends and an open long poll answers 401; the new keys work', async () => {
    const project = await ingest.addProject();
    const old = basic(project.apiKey, project.secretKey);
    const stream = await fetch(`${ingest.url}/api/changes/stream?after=now`, {
      headers: { authorization: old },
    });
    expect(stream.status).toBe(200);
    const streamEnded = readToEnd(stream);
    const poll = fetch(`${ingest.url}/api/changes?after=now&wait_ms=30000`, {
      headers: { authorization: old },
    });
    // Another project's stream of the same process is left alone.
    const bystander = await fetch(`${ingest.url}/api/changes/stream?after=now`, {
      headers: { authorization: basic(ingest.apiKey, ingest.secretKey) },
    });
    expect(bystander.status).toBe(200);

    const rotated = await ingest.store.projects.rotateKeys(project.id);
    if (rotated === undefined) throw new Error('project not found');

    const answered = await within(poll, 10_000, 'the long poll answering');
    expect(answered.status).toBe(401);
    expect(await answered.json()).toStrictEqual({ code: 401, error: 'Unauthorized' });
    expect(await within(streamEnded, 10_000, 'the stream ending')).toMatch(/^retry: 2000/);

    const reopened = await fetch(`${ingest.url}/api/changes/stream?after=now`, {
      headers: { authorization: old },
    });
    expect(reopened.status).toBe(401);
    const renewed = await fetch(`${ingest.url}/api/changes?after=now`, {
      headers: { authorization: basic(rotated.api_key, rotated.secret_key) },
    });
    expect(renewed.status).toBe(200);

    // The bystander is still open: the server has not ended it (cancelled here).
    const reader = bystander.body?.getReader();
    const first = await reader?.read();
    expect(first?.done).toBe(false);
    await reader?.cancel();
  });
});
