import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storedGroup } from '@groupidentify/store/testing';
import { basic } from '../helpers/http.js';
import { startTestIngest, type TestIngest } from '../helpers/ingest.js';

// WHERE_MS_PER_SECOND (docs/guarantees.md#where-query-budget): a project's `where` queries get so
// many milliseconds of store time a second from a process, after a second's worth at once; one
// that would wait more than 10 s for it is answered 429 with retry_after_ms. Here 1 ms a second:
// a count that reads every group of the type (no index serves `$ne`) takes far more than the 11 ms
// that puts the next one over 10 s. The project's other reads, and another project's counts,
// are served as before.

let ingest: TestIngest;
const type = `w-${randomUUID()}`;

beforeAll(async () => {
  ingest = await startTestIngest({ WHERE_MS_PER_SECOND: '1' });
  const now = new Date();
  const docs = Array.from({ length: 3000 }, (_, n) =>
    storedGroup(
      { project: ingest.projectId, group_type: type, group_value: `g${n}` },
      { n, note: 'a property or two to read '.repeat(4) },
      now,
    ),
  );
  await ingest.raw.groups.insertMany(docs);
});
afterAll(async () => {
  await ingest.close();
});

type Keys = { apiKey: string; secretKey: string };

const get = async (keys: Keys, path: string) => {
  const res = await fetch(`${ingest.url}${path}`, {
    headers: { authorization: basic(keys.apiKey, keys.secretKey) },
  });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), text: await res.text() };
};

const scan = encodeURIComponent(JSON.stringify({ n: { $ne: -1 } }));

describe("a project's where-query budget", () => {
  it('answers 429 once the wait would be over 10 s; other reads and projects go on', async () => {
    const a = ingest;
    const first = await get(a, `/api/groups/count?group_type=${type}&where=${scan}`);
    expect(first.status).toBe(200);
    expect(JSON.parse(first.text)).toEqual({ count: 3000 });

    const refused = await get(a, `/api/groups?group_type=${type}&where=${scan}&limit=1`);
    expect(refused.status).toBe(429);
    const body = JSON.parse(refused.text) as { retry_after_ms: number; reason: string };
    expect(body.retry_after_ms).toBeGreaterThan(10_000);
    expect(body.reason).toMatch(/budget of 1 ms of where queries per second/);
    expect(Number(refused.retryAfter)).toBe(Math.ceil(body.retry_after_ms / 1000));

    // Not `where` queries: a count of the whole type (a maintained count, which the groups
    // written here straight into the store never raised) and a single group.
    const all = await get(a, `/api/groups/count?group_type=${type}`);
    expect(all.status).toBe(200);
    expect((await get(a, `/api/groups/${type}/g7`)).status).toBe(200);

    // Another project's where query has a budget of its own.
    const b = await ingest.addProject();
    const other = await get(b, `/api/groups/count?group_type=${type}&where=${scan}`);
    expect(other.status).toBe(200);
    expect(JSON.parse(other.text)).toEqual({ count: 0 });
  });
});
