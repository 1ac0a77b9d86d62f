import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { uniqueName, withDatabase } from '@groupidentify/local-services';
import { collectionsOf } from './collections.js';
import { destinations, RECENT_ATTEMPTS, type Destinations } from './destinations.js';
import type { DeliveryAttempt } from './documents.js';

// Webhook destinations and their delivery state, on the real wire server.
let client: MongoClient;
let store: Destinations;

beforeAll(async () => {
  client = await MongoClient.connect(withDatabase(inject('mongoUrl'), uniqueName('destinations')));
  store = destinations(collectionsOf(client.db()));
});

afterAll(async () => {
  await client.db().dropDatabase();
  await client.close();
});

const now = new Date('2026-12-05T10:00:00Z');
const attempt = (n: number, status: number): DeliveryAttempt => ({
  at: new Date(now.getTime() + n),
  webhook_id: `w${n}`,
  group_type: 'org',
  version: n,
  status,
  duration_ms: 3,
});

describe('destinations', () => {
  it('creates with a whsec_ secret and its start; lists and gets only its project', async () => {
    const made = await store.create({
      project: 'p1',
      url: 'https://example.com/hook',
      groupType: 'org',
      start: [4, 0, 7],
      now,
    });
    expect(made).toMatchObject({ project: 'p1', status: 'active', group_type: 'org' });
    expect(made._id).toMatch(/^dst_[0-9a-f]{16}$/);
    expect(Buffer.from(made.secret.replace(/^whsec_/, ''), 'base64')).toHaveLength(24);
    expect(await store.get('p1', made._id)).toStrictEqual(made);
    expect(await store.get('p2', made._id)).toBeUndefined();
    expect((await store.list('p1')).map((d) => d._id)).toContain(made._id);
    expect(await store.list('p2')).toStrictEqual([]);
  });

  it('keeps a partition position, counts deliveries, records failures and clears them', async () => {
    const d = await store.create({ project: 'p3', url: 'https://example.com/', start: [5], now });
    const state = await store.open(d._id, 0, 5);
    expect(state).toMatchObject({ position: 5, delivered: 0, attempts: 0, recent: [] });
    expect(await store.open(d._id, 0, 99)).toStrictEqual(state); // opened once
    await store.failed(state, {
      attempt: { ...attempt(1, 503), error: 'HTTP 503: busy' },
      failingSince: now,
      retryAt: new Date(now.getTime() + 1000),
      recent: [attempt(1, 503)],
    });
    expect(await store.state(d._id, 0)).toMatchObject({
      position: 5,
      attempts: 1,
      last_error: 'HTTP 503: busy',
      failing_since: now,
    });
    const recent = Array.from({ length: RECENT_ATTEMPTS + 3 }, (_, i) => attempt(i, 200));
    await store.advance(state, 9, 2, recent);
    const after = await store.state(d._id, 0);
    expect(after).toMatchObject({ position: 9, delivered: 2, attempts: 0 });
    expect(after?.failing_since).toBeUndefined();
    expect(after?.retry_at).toBeUndefined();
    expect(after?.recent).toHaveLength(RECENT_ATTEMPTS);
    expect((await store.states(d._id)).map((s) => s.partition)).toStrictEqual([0]);
  });

  it('pauses, marks failing, resumes (retrying at once) and deletes with its state', async () => {
    const d = await store.create({ project: 'p4', url: 'https://example.com/', start: [0], now });
    const state = await store.open(d._id, 0, 0);
    const later = new Date(now.getTime() + 3_600_000);
    await store.failed(state, {
      attempt: attempt(1, 500),
      failingSince: now,
      retryAt: later,
      recent: [],
    });
    expect(await store.setStatus('p4', d._id, 'paused', now)).toMatchObject({ status: 'paused' });
    expect(await store.setStatus('p4', d._id, 'failing', now)).toMatchObject({
      status: 'failing',
      failing_since: now,
    });
    const resumed = await store.setStatus('p4', d._id, 'active', now);
    expect(resumed?.status).toBe('active');
    expect(resumed?.failing_since).toBeUndefined();
    expect((await store.state(d._id, 0))?.retry_at).toStrictEqual(now);
    expect(await store.setStatus('p5', d._id, 'paused', now)).toBeUndefined();
    expect(await store.remove('p5', d._id)).toBe(false);
    expect(await store.remove('p4', d._id)).toBe(true);
    expect(await store.get('p4', d._id)).toBeUndefined();
    expect(await store.states(d._id)).toStrictEqual([]);
  });
});
