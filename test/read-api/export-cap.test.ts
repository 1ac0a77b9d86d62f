import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storedGroup } from '@groupidentify/store/testing';
import { basic } from '../helpers/http.js';
import { startTestIngest, type TestIngest } from '../helpers/ingest.js';
import { pollUntil } from '../helpers/services.js';

// At most 4 exports of one project run at once in a process (MAX_EXPORTS_PER_PROJECT,
// docs/guarantees.md#concurrent-exports): the 5th is refused at once with 429.

let ingest: TestIngest;
const type = `x-${randomUUID()}`;

beforeAll(async () => {
  ingest = await startTestIngest();
  // ~16 MB of groups: an export that is not read stays open (far more than socket buffers hold).
  const now = new Date();
  const blob = 'x'.repeat(4000);
  for (let batch = 0; batch < 8; batch++) {
    const docs = Array.from({ length: 500 }, (_, i) =>
      storedGroup(
        { project: ingest.projectId, group_type: type, group_value: `g${batch}-${i}` },
        { blob },
        now,
      ),
    );
    await ingest.raw.groups.insertMany(docs);
  }
});
afterAll(async () => {
  for (const abort of held) abort.abort();
  await ingest.close();
});

const held: AbortController[] = [];

/** Starts an export of `type`; resolves with its response once the headers came. */
function startExport(keys: { apiKey: string; secretKey: string } = ingest): Promise<Response> {
  const abort = new AbortController();
  held.push(abort);
  const res = fetch(`${ingest.url}/api/export?group_type=${type}`, {
    headers: { authorization: basic(keys.apiKey, keys.secretKey) },
    signal: abort.signal,
  });
  res.catch(() => undefined); // ended by abort
  return res;
}

describe('concurrent exports of one project', () => {
  it('refuses the 5th at once; another project exports; an ended one frees its slot', async () => {
    const running = await Promise.all(Array.from({ length: 4 }, () => startExport()));
    expect(running.map((r) => r.status)).toStrictEqual([200, 200, 200, 200]);

    const fifth = await startExport();
    expect(fifth.status).toBe(429);
    expect(fifth.headers.get('retry-after')).toBe('1');
    expect(await fifth.json()).toStrictEqual({
      code: 429,
      error: 'Too many requests',
      reason: '4 exports of this project are open; close one or try again later',
    });

    const other = await ingest.addProject();
    const theirs = await startExport(other);
    expect(theirs.status).toBe(200);
    expect(await theirs.text()).toBe(''); // no groups of this type: done at once

    held[0]?.abort();
    const again = await pollUntil(
      async () => {
        const res = await startExport();
        return res.status === 200 ? res : undefined;
      },
      { timeoutMs: 20_000, description: 'an export once one ended' },
    );
    expect(again.headers.get('content-type')).toMatch(/application\/x-ndjson/);
  });
});
