import { randomUUID } from 'node:crypto';
import type { JsonObject } from '@groupidentify/ops';
import type { QueuedItem } from '@groupidentify/queue-contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyJob } from '@groupidentify/worker';
import { startTestIngest, type TestIngest } from '../helpers/ingest.js';
import { basic } from '../helpers/http.js';

// A change to a multi-megabyte property would make a history record pass MongoDB's 16 MB limit
// (from + to): the worker keeps the record small by leaving those values out, applies the
// identification, and the read API refuses an as_of it cannot rewind to — with a 4xx that says why.
let ingest: TestIngest;
beforeAll(async () => {
  ingest = await startTestIngest();
});
afterAll(async () => {
  await ingest.close();
});

const MB = 1024 * 1024;
/** About `mb` MB of JSON: 1 KB strings (as ingest truncates them). */
const bigList = (mb: number) =>
  Array.from({ length: mb * 1024 }, (_, i) => `${i}`.padEnd(1024, 'x'));

describe('history of a very large property', () => {
  it(
    'applies, omits the oversized values from history, and as_of says it cannot rewind past them',
    { timeout: 120_000 },
    async () => {
      const value = randomUUID();
      const item = (gp: JsonObject, receivedAt: number): QueuedItem => ({
        project: ingest.projectId,
        group_type: 'org',
        group_value: value,
        group_properties: gp,
        received_at: receivedAt,
      });
      const store = ingest.store;
      const t0 = Date.now() - 10_000;
      // Straight into the worker's job path: a 9 MB value cannot come through one 1 MB request.
      const position = { partition: 0, epoch: randomUUID(), job: 1 };
      const first = await applyJob(
        store,
        { v: 1, items: [item({ small: 1 }, t0), item({ $set: { big: bigList(9) } }, t0 + 1000)] },
        position,
        new Date(),
      );
      const second = await applyJob(
        store,
        { v: 1, items: [item({ $append: { big: 'tail' }, small: 2 }, t0 + 2000)] },
        { ...position, job: 2 },
        new Date(),
      );
      expect([first.deadLetters, second.deadLetters]).toStrictEqual([0, 0]);
      expect(first.applied.length + second.applied.length).toBe(3);

      const auth = {
        authorization: basic(ingest.apiKey, ingest.secretKey),
      };
      const url = `${ingest.url}/api/groups/org/${value}`;
      const history = (await (await fetch(`${url}/history`, { headers: auth })).json()) as {
        items: {
          version: number;
          changes: Record<string, { from?: unknown; to?: unknown; omitted?: string[] }>;
        }[];
      };
      const [v3, v2] = history.items;
      expect(v3?.changes['big']?.omitted?.sort()).toStrictEqual(['from', 'to']);
      expect(v3?.changes['small']).toStrictEqual({ from: 1, to: 2 }); // small values are kept
      expect(v2?.changes['big']).toStrictEqual({ omitted: ['to'] });

      const at = (ms: number) =>
        fetch(`${url}?as_of=${new Date(ms).toISOString()}`, { headers: auth });
      const rewound = await at(t0 + 500);
      expect(rewound.status).toBe(422);
      expect(await rewound.json()).toMatchObject({
        code: 422,
        error: 'History too large to rewind',
      });
      const now = await at(Date.now());
      expect(now.status).toBe(200);
      const body = (await now.json()) as {
        properties: { big: string[]; small: number };
        version: number;
      };
      expect(body.version).toBe(3);
      expect(body.properties.small).toBe(2);
      expect(body.properties.big.at(-1)).toBe('tail');
      expect(body.properties.big.length).toBe(9 * 1024 + 1);
      expect(JSON.stringify(body).length).toBeGreaterThan(9 * MB);
    },
  );
});
