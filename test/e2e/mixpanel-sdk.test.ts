import { randomUUID } from 'node:crypto';
import mixpanel from 'mixpanel';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TestIngest } from '../helpers/ingest.js';
import { pollUntil } from '../helpers/services.js';
import { readGroup, useIngestAndWorker, waitForVersion } from '../helpers/worker.js';

// docs/sdks.md: the mixpanel package's groups.* work with `host` pointed here. The SDK sends each
// call at once as its own GET /groups (no queue, no batching, no retry), so order across calls
// is kept by waiting for each callback, as the SDK's users do.
const services = useIngestAndWorker();
let ingest: TestIngest;
beforeAll(async () => {
  ingest = services.ingest();
  // delete_group() sends the public token: this project allows erasures through it
  // (docs/sdks.md; before any request, so that no cached lookup holds the old setting).
  await ingest.store.projects.update(ingest.projectId, { allow_public_erase: true });
});

function sdk(options: { verbose?: boolean; token?: string } = {}): mixpanel.Mixpanel {
  return mixpanel.init(options.token ?? ingest.apiKey, {
    host: new URL(ingest.url).host,
    protocol: 'http',
    verbose: options.verbose ?? false,
  });
}

/** One SDK call as a promise of the error its callback got (undefined on success). */
const call = (send: (callback: mixpanel.Callback) => void) =>
  new Promise<Error | undefined>((resolve) => {
    send(resolve);
  });

/** POST /groups as Mixpanel's batch update documents it: a form whose `data` is the updates. */
async function postUpdates(updates: unknown[], encoding: 'base64' | 'json' = 'base64') {
  const json = JSON.stringify(updates);
  const data = encoding === 'base64' ? Buffer.from(json).toString('base64') : json;
  const res = await fetch(`${ingest.url}/groups?verbose=1`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ data }).toString(),
  });
  const body: unknown = await res.json();
  return { status: res.status, body };
}

describe('mixpanel (groups) against this service', () => {
  it('every groups.* update, in order, read back as Mixpanel documents it', async () => {
    const mp = sdk();
    const org = randomUUID();
    const g = mp.groups;
    const steps: ((cb: mixpanel.Callback) => void)[] = [
      (cb) => g.set('company', org, { $name: 'Acme', plan: 'free', tags: ['a'] }, cb),
      (cb) => g.set('company', org, 'plan', 'pro', cb),
      (cb) => g.set_once('company', org, { plan: 'ignored', founded: '1999' }, cb),
      (cb) => g.set_once('company', org, 'region', 'eu', cb),
      (cb) => g.union('company', org, { tags: ['b', 'a'], products: 'anvil' }, cb),
      (cb) => g.remove('company', org, { tags: 'a' }, cb),
      (cb) => g.set('company', org, { seats: 5, obsolete: 1, gone: true }, cb),
      (cb) => g.unset('company', org, 'obsolete', cb),
      (cb) => g.unset('company', org, ['gone', 'never-set'], cb),
    ];
    for (const step of steps) expect(await call(step)).toBeUndefined();
    // $set overwrites, $set_once keeps what is there, $union adds only new values, $remove
    // takes a value out of a list, $unset deletes (Mixpanel's group profile API).
    expect((await waitForVersion(ingest, 'company', org, steps.length)).properties).toStrictEqual({
      $name: 'Acme',
      plan: 'pro',
      founded: '1999',
      region: 'eu',
      tags: ['b'],
      products: ['anvil'],
      seats: 5,
    });
  });

  it('verbose: {"status":1} is success; delete_group() erases the group, in order', async () => {
    const mp = sdk({ verbose: true });
    const org = randomUUID();
    expect(await call((cb) => mp.groups.set('company', org, { a: 1 }, cb))).toBeUndefined();
    expect(await call((cb) => mp.groups.delete_group('company', org, cb))).toBeUndefined();
    expect(await call((cb) => mp.groups.set('company', org, { b: 2 }, cb))).toBeUndefined();
    // The erasure applies between the two sets: what follows starts a new group at version 1.
    await pollUntil(
      async () => {
        const group = await readGroup(ingest, 'company', org);
        return group !== undefined && 'b' in group.properties ? group : undefined;
      },
      { timeoutMs: 20_000, description: 'the group after its erasure' },
    );
    expect(await readGroup(ingest, 'company', org)).toStrictEqual({
      properties: { b: 2 },
      version: 1,
    });
  });

  it('keeps the order of sets and deletes within one batch; a delete of a bad group is refused whole', async () => {
    const org = randomUUID();
    const base = { $token: ingest.apiKey, $group_key: 'company', $group_id: org };
    const batch = [
      { ...base, $set: { a: 1 } },
      { ...base, $delete: '' },
      { ...base, $set: { b: 2 } },
    ];
    expect(await postUpdates(batch)).toStrictEqual({
      status: 200,
      body: { status: 1, error: null },
    });
    await pollUntil(
      async () => {
        const group = await readGroup(ingest, 'company', org);
        return group !== undefined && 'b' in group.properties ? group : undefined;
      },
      { timeoutMs: 20_000, description: 'the batch applied' },
    );
    expect(await readGroup(ingest, 'company', org)).toStrictEqual({
      properties: { b: 2 },
      version: 1,
    });
    const other = randomUUID();
    const refused = await postUpdates([
      { ...base, $group_id: other, $set: { a: 1 } },
      { $token: ingest.apiKey, $group_key: 'company', $delete: '' },
    ]);
    expect(refused).toStrictEqual({
      status: 400,
      body: { status: 0, error: 'Invalid updates: update 1: $group_id is required' },
    });
    expect(await readGroup(ingest, 'company', other)).toBeUndefined();
  });

  it('an invalid token is reported as a Mixpanel server error, verbose or not; nothing applies', async () => {
    const org = randomUUID();
    const plain = sdk({ token: 'not-a-token' });
    expect((await call((cb) => plain.groups.set('company', org, { a: 1 }, cb)))?.message).toBe(
      'Mixpanel Server Error: 0',
    );
    const verbose = sdk({ token: 'not-a-token', verbose: true });
    expect((await call((cb) => verbose.groups.set('company', org, { a: 1 }, cb)))?.message).toBe(
      'Mixpanel Server Error: Invalid API key',
    );
    expect(await readGroup(ingest, 'company', org)).toBeUndefined();
  });

  it('an invalid update is refused whole, naming the update and the Mixpanel field', async () => {
    const org = randomUUID();
    const mp = sdk({ verbose: true });
    const refused = await call((cb) => mp.groups.set('company', org, { '': 1 }, cb));
    expect(refused?.message).toBe(
      'Mixpanel Server Error: Invalid updates: update 0: $set. property name must not be empty',
    );
    expect(await readGroup(ingest, 'company', org)).toBeUndefined();
  });

  it('the documented batch update (POST form data=[…], base64 or JSON), with $add, in order', async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    const update = (id: string, operation: object) => ({
      $token: ingest.apiKey,
      $group_key: 'company',
      $group_id: id,
      ...operation,
    });
    expect(
      await postUpdates([
        update(a, { $set: { seats: 1 } }),
        update(b, { $set_once: { plan: 'free' } }),
        update(a, { $add: { seats: 4 } }),
      ]),
    ).toStrictEqual({ status: 200, body: { status: 1, error: null } });
    expect(await postUpdates([update(a, { $add: { seats: -2 } })], 'json')).toStrictEqual({
      status: 200,
      body: { status: 1, error: null },
    });
    expect(
      await postUpdates([update(a, { $set: {} }), { $token: 'other', $set: {} }]),
    ).toStrictEqual({
      status: 401,
      body: { status: 0, error: 'every update of one request must carry the same $token' },
    });
    expect((await waitForVersion(ingest, 'company', a, 3)).properties).toStrictEqual({ seats: 3 });
    expect((await waitForVersion(ingest, 'company', b, 1)).properties).toStrictEqual({
      plan: 'free',
    });
  });
});
