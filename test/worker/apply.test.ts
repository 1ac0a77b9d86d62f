import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { send } from '../helpers/http.js';
import type { TestIngest } from '../helpers/ingest.js';
import { waitForVersion, useIngestAndWorker } from '../helpers/worker.js';

const services = useIngestAndWorker();
let ingest: TestIngest;
beforeAll(() => {
  ingest = services.ingest();
});

async function identify(groupValue: string, ...groupProperties: object[]): Promise<void> {
  const identification = groupProperties.map((gp) => ({
    group_type: 'org',
    group_value: groupValue,
    group_properties: gp,
  }));
  const reply = await send(ingest.url, { json: { api_key: ingest.apiKey, identification } });
  expect(reply.status).toBe(200);
}

describe('docs/semantics.md end to end through the store', () => {
  it('$setOnce on an existing group without the property sets it; with it, keeps it', async () => {
    const g = randomUUID();
    await identify(g, { a: 1 });
    await identify(g, { $setOnce: { a: 2, b: 3 } });
    expect((await waitForVersion(ingest, 'org', g, 2)).properties).toStrictEqual({ a: 1, b: 3 });
  });

  it('names with dots, $, spaces, __proto__, constructor and unicode round-trip exactly', async () => {
    const g = randomUUID();
    const gp = JSON.parse(
      '{"__proto__": {"x.y": [[1], {"$z": null}]}, "$set": {"a.b": 1, "$x": 2, " s ": 3, "ü🎉": 4, "constructor": [{}], "": 5}}',
    ) as object;
    const reply = await send(ingest.url, {
      json: {
        api_key: ingest.apiKey,
        identification: { group_type: 'org', group_value: g, group_properties: gp },
      },
    });
    // The empty property name is a 400 (docs/semantics.md); the rest must round-trip.
    expect(reply.status).toBe(400);
    delete (gp as { $set: Record<string, unknown> }).$set[''];
    await identify(g, gp);
    const { properties } = await waitForVersion(ingest, 'org', g, 1);
    expect(JSON.stringify(properties)).toBe(
      '{"a.b":1,"$x":2," s ":3,"ü🎉":4,"constructor":[{}],"__proto__":{"x.y":[[1],{"$z":null}]}}',
    );
  });

  it('every operation, in rule-1 order and conflict rules, across identifications and jobs', async () => {
    const g = randomUUID();
    await identify(g, { $set: { n: 1, l: 'x', gone: true }, $add: { c: 5 } });
    await identify(
      g,
      { $add: { c: '2', n: 1 }, $append: { l: ['y', 'z'] }, $unset: { gone: '-' } },
      { $prepend: { l: 'w' }, $preInsert: { l: ['x', 'v'] }, $postInsert: { l: 'q' } },
    );
    await identify(g, { $remove: { l: ['y'] }, $setOnce: { n: 100 } });
    expect((await waitForVersion(ingest, 'org', g, 4)).properties).toStrictEqual({
      n: 2,
      c: 7,
      l: ['w', 'x', 'z'], // $prepend took `l`: the $preInsert and $postInsert on it were skipped
    });
  });

  it('a group is created by {} (rule 7) and $clearAll empties it', async () => {
    const g = randomUUID();
    await identify(g, {});
    expect((await waitForVersion(ingest, 'org', g, 1)).properties).toStrictEqual({});
    await identify(g, { a: 1, b: 2 }, { $clearAll: '-', $set: { c: 3 } });
    expect((await waitForVersion(ingest, 'org', g, 3)).properties).toStrictEqual({ c: 3 });
  });

  it('keeps order per group across many requests and partitions', async () => {
    const groups = Array.from({ length: 8 }, () => randomUUID());
    for (let i = 0; i < 20; i++) {
      await Promise.all(
        groups.map((g) => identify(g, { $append: { trail: i }, $add: { count: 1 } })),
      );
    }
    for (const g of groups) {
      expect((await waitForVersion(ingest, 'org', g, 20)).properties).toStrictEqual({
        trail: Array.from({ length: 20 }, (_, i) => i),
        count: 20,
      });
    }
  });

  it('an insert_id is applied once, even when the client sends it again', async () => {
    const g = randomUUID();
    const item = {
      group_type: 'org',
      group_value: g,
      insert_id: `retry-${g}`,
      group_properties: { $add: { n: 1 } },
    };
    for (let i = 0; i < 3; i++) {
      expect(
        (await send(ingest.url, { json: { api_key: ingest.apiKey, identification: [item, item] } }))
          .status,
      ).toBe(200);
    }
    await identify(g, { $add: { n: 10 } });
    expect((await waitForVersion(ingest, 'org', g, 2)).properties).toStrictEqual({ n: 11 });
  });

  it('writes one history record per applied identification', async () => {
    const g = randomUUID();
    await identify(g, { a: 1 }, { $add: { a: 2 } });
    await waitForVersion(ingest, 'org', g, 2);
    const key = { project: ingest.projectId, group_type: 'org', group_value: g };
    const page = await ingest.store.history.page(key, undefined, 10);
    expect(page?.items.map((h) => [h.version, h.changes])).toStrictEqual([
      [2, { a: { from: 1, to: 3 } }],
      [1, { a: { to: 1 } }],
    ]);
    expect(
      await ingest.raw.history.countDocuments({ group: JSON.stringify([key.project, 'org', g]) }),
    ).toBe(2);
  });
});
