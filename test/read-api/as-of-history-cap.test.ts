import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { basic, send } from '../helpers/http.js';
import type { TestIngest } from '../helpers/ingest.js';
import { instantPassed } from '../helpers/clock.js';
import { useIngestAndWorker, waitForVersion } from '../helpers/worker.js';

// An `as_of` undoes at most AS_OF_MAX_HISTORY history records of a group
// (docs/guarantees.md#history-walked-per-as_of); beyond, the answer is an explicit 422, never a
// guess: on GET and per group in an export.

const services = useIngestAndWorker({ AS_OF_MAX_HISTORY: '3' });
let ingest: TestIngest;
const type = `h-${randomUUID()}`;
/** `after[n]`: an instant after the n-th identification was accepted and before the next one. */
const after: string[] = [];

beforeAll(async () => {
  ingest = services.ingest();
  after.push(new Date(await instantPassed()).toISOString());
  for (let n = 1; n <= 5; n++) {
    const reply = await send(ingest.url, {
      json: {
        api_key: ingest.apiKey,
        identification: { group_type: type, group_value: 'busy', group_properties: { n } },
      },
    });
    expect(reply.status).toBe(200);
    after.push(new Date(await instantPassed()).toISOString());
  }
  await waitForVersion(ingest, type, 'busy', 5);
});

async function get(path: string) {
  const res = await fetch(`${ingest.url}${path}`, {
    headers: { authorization: basic(ingest.apiKey, ingest.secretKey) },
  });
  return { status: res.status, text: await res.text() };
}

describe('as_of over the history cap', () => {
  it('undoes up to the cap: 3 changes back is the properties then', async () => {
    const res = await get(`/api/groups/${type}/busy?as_of=${after[2]}`);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toMatchObject({ properties: { n: 2 } });
  });

  it('answers 422 with the reason for more, on GET', async () => {
    for (const asOf of [after[1], after[0]]) {
      const res = await get(`/api/groups/${type}/busy?as_of=${asOf}`);
      expect(res.status).toBe(422);
      expect(JSON.parse(res.text)).toStrictEqual({
        code: 422,
        error: 'History too long to rewind',
        reason:
          'the group changed more than 3 times after as_of (AS_OF_MAX_HISTORY); ask for a later as_of',
      });
    }
  });

  it('answers 422 naming the group in an export, never leaving it out', async () => {
    const res = await get(`/api/export?group_type=${type}&as_of=${after[1]}`);
    expect(res.status).toBe(422);
    expect(JSON.parse(res.text)).toMatchObject({
      code: 422,
      error: 'History too long to rewind',
      reason: expect.stringContaining(`group "${type}" "busy" changed more than 3 times`) as string,
    });
    const within = await get(`/api/export?group_type=${type}&as_of=${after[2]}`);
    expect(within.status).toBe(200);
    expect(JSON.parse(within.text)).toMatchObject({ group_value: 'busy', properties: { n: 2 } });
  });
});
