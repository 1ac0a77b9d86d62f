import { randomUUID } from 'node:crypto';
import { groupId } from '@groupidentify/ops';
import { partitionOf } from '@groupidentify/queue-contract';
import { beforeAll, describe, expect, it } from 'vitest';
import { basic, send } from '../helpers/http.js';
import type { TestIngest } from '../helpers/ingest.js';
import { pollUntil } from '../helpers/services.js';
import { readGroup, waitForVersion, useIngestAndWorker } from '../helpers/worker.js';
import { groupRecords } from '../helpers/group-records.js';

// Erasure (docs/api.md#deleting-a-group): queued in the group's partition, applied in order with
// its identifications; what came before is gone, what comes after starts a new group.

const services = useIngestAndWorker();
let ingest: TestIngest;
beforeAll(() => {
  ingest = services.ingest();
});

const path = (type: string, value: string) =>
  `/api/groups/${encodeURIComponent(type)}/${encodeURIComponent(value)}`;

async function call(method: string, p: string, auth = basic(ingest.apiKey, ingest.secretKey)) {
  const reply = await send(ingest.url, { method, path: p, headers: { authorization: auth } });
  return { status: reply.status, body: reply.text === '' ? undefined : reply.json() };
}

async function identify(value: string, gp: object, insertId?: string): Promise<void> {
  const identification = {
    group_type: 'org',
    group_value: value,
    group_properties: gp,
    ...(insertId === undefined ? {} : { insert_id: insertId }),
  };
  const reply = await send(ingest.url, { json: { api_key: ingest.apiKey, identification } });
  expect(reply.status).toBe(200);
}

/** Waits until the group is gone from the read API (the erasure was applied). */
async function waitUntilErased(value: string): Promise<void> {
  await pollUntil(async () => (await call('GET', path('org', value))).status === 404, {
    timeoutMs: 20_000,
    description: `org/${value} to be erased`,
  });
}

describe('DELETE /api/groups/{type}/{value}', () => {
  it('erases the group: properties, history and as_of are gone, and it leaves the list', async () => {
    const value = randomUUID();
    await identify(value, { plan: 'pro', seats: 3 });
    await identify(value, { $add: { seats: 1 } });
    await waitForVersion(ingest, 'org', value, 2);
    const deleted = await call('DELETE', path('org', value));
    expect(deleted).toStrictEqual({ status: 202, body: { status: 'accepted' } });
    await waitUntilErased(value);
    expect(await call('GET', path('org', value))).toStrictEqual({
      status: 404,
      body: { code: 404, error: 'Group not found' },
    });
    const longAgo = new Date(Date.now() - 3_600_000).toISOString();
    for (const p of [`${path('org', value)}?as_of=${longAgo}`, `${path('org', value)}/history`])
      expect((await call('GET', p)).status).toBe(404);
    const listed = (await call('GET', '/api/groups?group_type=org&limit=1000')).body as {
      items: { group_value: string }[];
    };
    expect(listed.items.map((i) => i.group_value)).not.toContain(value);
    // Only a value-free record of the erasure remains in history.
    const records = await ingest.raw.history
      .find(
        await groupRecords(ingest.raw, {
          project: ingest.projectId,
          group_type: 'org',
          group_value: value,
        }),
      )
      .toArray();
    expect(records.map((r) => r.kind)).toStrictEqual(['delete']);
    expect(JSON.parse(records[0]?.record ?? '{}')).toStrictEqual({ changes: {}, skipped: [] });
  });

  it('orders with identifications: what follows starts a new group at version 1', async () => {
    const value = randomUUID();
    await identify(value, { old: true, n: 1 });
    const before = Date.now();
    expect((await call('DELETE', path('org', value))).status).toBe(202);
    await identify(value, { fresh: true });
    await identify(value, { $add: { n: 5 } });
    // No wait between them: the erasure applies between the first and the second, in order.
    const group = await pollUntil(
      async () => {
        const res = await call('GET', path('org', value));
        const body = res.body as { version?: number } | undefined;
        return res.status === 200 && body?.version === 2 ? body : undefined;
      },
      { timeoutMs: 20_000, description: 'the new life at version 2' },
    );
    expect(group).toMatchObject({ properties: { fresh: true, n: 5 }, version: 2 });
    expect(Date.parse((group as { created_at: string }).created_at)).toBeGreaterThanOrEqual(before);
    const history = (await call('GET', `${path('org', value)}/history`)).body as {
      items: { version: number; changes: object }[];
    };
    expect(history.items.map((i) => [i.version, i.changes])).toStrictEqual([
      [2, { n: { to: 5 } }],
      [1, { fresh: { to: true } }],
    ]);
    // as_of before the new life began: it did not exist then (the old life is erased).
    expect(
      (await call('GET', `${path('org', value)}?as_of=${new Date(before - 1).toISOString()}`))
        .status,
    ).toBe(404);
  });

  it('deleting twice is two 202s and one erasure', async () => {
    const value = randomUUID();
    await identify(value, { a: 1 });
    await waitForVersion(ingest, 'org', value, 1);
    expect((await call('DELETE', path('org', value))).status).toBe(202);
    expect((await call('DELETE', path('org', value))).status).toBe(202);
    await waitUntilErased(value);
    await identify(value, { b: 2 });
    await waitForVersion(ingest, 'org', value, 1);
    expect(await readGroup(ingest, 'org', value)).toStrictEqual({
      properties: { b: 2 },
      version: 1,
    });
  });

  it('erases the insert_id claims: the same insert_id applies again in the new life', async () => {
    const value = randomUUID();
    await identify(value, { a: 1 }, `once-${value}`);
    await identify(value, { a: 2 }, `once-${value}`); // a client retry: skipped
    await waitForVersion(ingest, 'org', value, 1);
    expect((await readGroup(ingest, 'org', value))?.properties).toStrictEqual({ a: 1 });
    expect((await call('DELETE', path('org', value))).status).toBe(202);
    await waitUntilErased(value);
    const id = groupId({ project: ingest.projectId, group_type: 'org', group_value: value });
    expect(await ingest.raw.insertIds.countDocuments({ group: id })).toBe(0);
    await identify(value, { a: 3 }, `once-${value}`);
    await waitForVersion(ingest, 'org', value, 1);
    expect((await readGroup(ingest, 'org', value))?.properties).toStrictEqual({ a: 3 });
  });

  it('accepts the erasure of a group whose identifications are queued but not applied yet', async () => {
    const value = randomUUID();
    const key = { project: ingest.projectId, group_type: 'org', group_value: value };
    const queue = ingest.queue(partitionOf(key, ingest.config.PARTITIONS));
    await queue.pause();
    try {
      await identify(value, { queued: true });
      expect((await call('DELETE', path('org', value))).status).toBe(202);
    } finally {
      await queue.resume();
    }
    await waitUntilErased(value);
    expect(await readGroup(ingest, 'org', value)).toBeUndefined();
  });

  it('404 for a group never written; 401 without keys; another project never deletes it', async () => {
    expect(await call('DELETE', path('org', randomUUID()))).toStrictEqual({
      status: 404,
      body: { code: 404, error: 'Group not found' },
    });
    const value = randomUUID();
    await identify(value, { mine: true });
    await waitForVersion(ingest, 'org', value, 1);
    expect((await call('DELETE', path('org', value), '')).status).toBe(401);
    const other = await ingest.addProject();
    expect(
      (await call('DELETE', path('org', value), basic(other.apiKey, other.secretKey))).status,
    ).toBe(404);
    expect((await readGroup(ingest, 'org', value))?.properties).toStrictEqual({ mine: true });
  });
});
