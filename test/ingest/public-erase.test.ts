import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { cliJson, cliEnvOf } from '../cli/cli-process.js';
import type { TestIngest } from '../helpers/ingest.js';
import { pollUntil } from '../helpers/services.js';
import { readGroup, useIngestAndWorker } from '../helpers/worker.js';

// docs/guarantees.md#erasure-needs-the-secret-key: the public token ships in web pages, so a
// Mixpanel `$delete` through it is refused (403) unless the project allows it; erasures count
// toward the 1,024 identifications of a request.

const services = useIngestAndWorker({ PROJECT_CACHE_TTL_MS: '100' });
let ingest: TestIngest;
beforeAll(() => {
  ingest = services.ingest();
});

const FORBIDDEN =
  'Forbidden: erasing a group needs the secret key (DELETE /api/groups/{type}/{value}); ' +
  'this project does not allow erasures through its public api_key';

type Update = Record<string, unknown>;

async function postUpdates(updates: Update[], verbose = true) {
  const res = await fetch(`${ingest.url}/groups?verbose=${verbose ? 1 : 0}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(updates),
  });
  return { status: res.status, body: verbose ? await res.json() : await res.text() };
}

const update = (apiKey: string, org: string, operation: Update): Update => ({
  $token: apiKey,
  $group_key: 'company',
  $group_id: org,
  ...operation,
});

interface Keys {
  id: string;
  apiKey: string;
}

const atVersion = (keys: Keys, org: string, version: number) =>
  pollUntil(
    async () => {
      const group = await readGroup(ingest, 'company', org, keys.id);
      return group !== undefined && group.version >= version ? group : undefined;
    },
    { timeoutMs: 20_000, description: `${org} at version ${version}` },
  );

/** Sets `org` to version 1 and waits for it. */
async function written(keys: Keys, org: string): Promise<void> {
  expect((await postUpdates([update(keys.apiKey, org, { $set: { a: 1 } })])).status).toBe(200);
  await atVersion(keys, org, 1);
}

/** Nothing of a refused request applied: the next update makes version 2 of the same group. */
async function untouched(keys: Keys, org: string): Promise<void> {
  expect((await postUpdates([update(keys.apiKey, org, { $set: { c: 3 } })])).status).toBe(200);
  expect(await atVersion(keys, org, 2)).toStrictEqual({ properties: { a: 1, c: 3 }, version: 2 });
}

describe('Mixpanel $delete through the public token', () => {
  it('is refused with 403 saying the secret key is needed; the group is still there', async () => {
    const keys = { id: ingest.projectId, apiKey: ingest.apiKey };
    const org = randomUUID();
    await written(keys, org);
    const erase = update(ingest.apiKey, org, { $delete: '' });
    expect(await postUpdates([erase])).toStrictEqual({
      status: 403,
      body: { status: 0, error: FORBIDDEN },
    });
    expect(await postUpdates([erase], false)).toStrictEqual({ status: 403, body: '0' });
    // All or nothing: the $set sent with the $delete is refused with it.
    const mixed = [update(ingest.apiKey, org, { $set: { b: 2 } }), erase];
    expect((await postUpdates(mixed)).status).toBe(403);
    await untouched(keys, org);
  });

  it('erases as before once the project allows it (project update --allow-public-erase true)', async () => {
    const keys = await ingest.addProject();
    const org = randomUUID();
    await written(keys, org);
    const env = cliEnvOf(ingest);
    const updated = await cliJson(
      ['project', 'update', '--id', keys.id, '--allow-public-erase', 'true'],
      env,
    );
    expect(updated).toMatchObject({ id: keys.id, allow_public_erase: true });
    const erase = update(keys.apiKey, org, { $delete: '' });
    // Refused (and nothing enqueued) until the key cache has read the new setting.
    await pollUntil(async () => (await postUpdates([erase])).status === 200, {
      timeoutMs: 10_000,
      description: 'the $delete to be accepted',
    });
    await pollUntil(async () => (await readGroup(ingest, 'company', org, keys.id)) === undefined, {
      timeoutMs: 20_000,
      description: 'the group erased',
    });
    // And off again: refused.
    await cliJson(['project', 'update', '--id', keys.id, '--allow-public-erase', 'false'], env);
    await pollUntil(async () => (await postUpdates([erase])).status === 403, {
      timeoutMs: 10_000,
      description: 'the $delete to be refused again',
    });
  });

  it('erasures count toward the 1,024 identifications of a request (413, nothing applied)', async () => {
    const keys = await ingest.addProject();
    await ingest.store.projects.update(keys.id, { allow_public_erase: true });
    const org = randomUUID();
    await written(keys, org);
    const sets = Array.from({ length: 1024 }, (_, i) =>
      update(keys.apiKey, `${org}-${i}`, { $set: { i } }),
    );
    const tooLarge = {
      status: 413,
      body: {
        status: 0,
        error: 'Payload too large: more than 1024 identifications and erasures in one request',
      },
    };
    const erase = update(keys.apiKey, org, { $delete: '' });
    expect(await postUpdates([...sets, erase])).toStrictEqual(tooLarge);
    expect(await postUpdates(Array.from({ length: 1025 }, () => erase))).toStrictEqual(tooLarge);
    await untouched(keys, org);
    // 1,023 identifications and one erasure are within the limit.
    expect((await postUpdates([...sets.slice(1), erase])).status).toBe(200);
    await pollUntil(async () => (await readGroup(ingest, 'company', org, keys.id)) === undefined, {
      timeoutMs: 20_000,
      description: 'the group erased',
    });
    expect(await readGroup(ingest, 'company', `${org}-0`, keys.id)).toBeUndefined();
  });
});
