import { beforeAll, describe, expect, it } from 'vitest';
import type { ChangeView } from '@groupidentify/store';
import { basic, send } from '../helpers/http.js';
import type { TestIngest } from '../helpers/ingest.js';
import { collectionsOf } from '@groupidentify/store/testing';
import { scrapeMetrics, sumOf } from '../helpers/prometheus.js';
import { pollUntil } from '../helpers/services.js';
import { useIngestAndWorker } from '../helpers/worker.js';

// FEED_CHANGES_PER_SECOND (docs/guarantees.md#change-feed-budget): the change feed's readers of
// one project get so many changes a second from a process, all together, after a first page's
// worth; past it their next page waits — a long poll answers empty at its deadline — while
// another project's readers are served as before.
const services = useIngestAndWorker({ FEED_CHANGES_PER_SECOND: '1' });
let ingest: TestIngest;
beforeAll(() => {
  ingest = services.ingest();
});

type Keys = { id: string; apiKey: string; secretKey: string };

async function changes(keys: Keys, params: Record<string, string>, signal?: AbortSignal) {
  const res = await fetch(`${ingest.url}/api/changes?${new URLSearchParams(params).toString()}`, {
    headers: { authorization: basic(keys.apiKey, keys.secretKey) },
    ...(signal === undefined ? {} : { signal }),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as { items: ChangeView[]; next_cursor: string };
}

/** `count` new groups of `type` for project `keys`, in one request; waits until all applied. */
async function createGroups(keys: Keys, type: string, count: number) {
  const identification = Array.from({ length: count }, (_, n) => ({
    group_type: type,
    group_value: `g${n}`,
    group_properties: { n },
  }));
  const reply = await send(ingest.url, { json: { api_key: keys.apiKey, identification } });
  expect(reply.status).toBe(200);
  const groups = collectionsOf(ingest.mongo.db()).groups;
  await pollUntil(
    async () => (await groups.countDocuments({ project: keys.id, group_type: type })) === count,
    { timeoutMs: 30_000, description: `${count} groups of ${type} applied` },
  );
}

describe('the change feed budget per project', () => {
  it("holds a project's next page once its readers had their share; another project reads on", async () => {
    const a = await ingest.addProject();
    const b = await ingest.addProject();
    const startA = (await changes(a, { after: 'now' })).next_cursor;
    const startB = (await changes(b, { after: 'now' })).next_cursor;
    await createGroups(a, 'a1', 1000);
    await createGroups(a, 'a2', 100);

    // A page's worth at once (1,000), and one page more: 100 changes at 1 a second to wait out.
    const first = await changes(a, { after: startA, limit: '1000' });
    expect(first.items).toHaveLength(1000);
    const second = await changes(a, { after: first.next_cursor, limit: '1000' });
    expect(second.items).toHaveLength(100);

    await createGroups(a, 'a3', 1);
    await createGroups(b, 'b1', 1);
    // A's change is there, but its long poll answers empty at its deadline, where it was.
    const held = await changes(a, { after: second.next_cursor, wait_ms: '1000' });
    expect(held).toStrictEqual({ items: [], next_cursor: second.next_cursor });
    // B's readers have their own budget.
    const other = await changes(b, { after: startB, wait_ms: '1000' });
    expect(other.items.map((c) => c.group_type)).toStrictEqual(['b1']);
  });

  it('a page waiting for the budget is given up when its client leaves, 30 s before the budget allowed it', async () => {
    const a = await ingest.addProject();
    const start = (await changes(a, { after: 'now' })).next_cursor;
    await createGroups(a, 'c1', 1000);
    await createGroups(a, 'c2', 30);
    // A page's worth at once, then 30 changes at 1 a second to wait out.
    const first = await changes(a, { after: start, limit: '1000' });
    const second = await changes(a, { after: first.next_cursor, limit: '1000' });
    expect([first.items.length, second.items.length]).toStrictEqual([1000, 30]);
    await createGroups(a, 'c3', 1);

    const waitingPages = async () =>
      sumOf((await scrapeMetrics(ingest.metricsUrl)).samples, 'gi_read_budget_waiting', {
        budget: 'feed',
      });
    const leave = new AbortController();
    const held = changes(a, { after: second.next_cursor }, leave.signal).catch(
      (error: unknown) => error,
    );
    await pollUntil(async () => (await waitingPages()) === 1, {
      timeoutMs: 10_000,
      description: 'the plain page waits for the budget',
    });
    leave.abort();
    expect(await held).toMatchObject({ name: 'AbortError' });
    // Well before the 30 s of budget it waited for: it left the line without reading.
    await pollUntil(async () => (await waitingPages()) === 0, {
      timeoutMs: 10_000,
      description: 'the page gone from the wait once its client left',
    });
  });
});
