import fc from 'fast-check';
import {
  EVENT_INDEX_SIZE,
  validateIdentification,
  type JsonObject,
  type JsonValue,
  type ValidationProblem,
} from '@groupidentify/ops';
import {
  canonicalMap,
  canonicalObject,
  groupProperties,
  modelApply,
} from '@groupidentify/ops/testing';
import { partitionOf } from '@groupidentify/queue-contract';
import { eventOf } from '@groupidentify/worker';
import { describe, expect, it } from 'vitest';
import { deferCleanups } from '../helpers/cleanups.js';
import { basic, send } from '../helpers/http.js';
import { startTestIngest, type TestIngest } from '../helpers/ingest.js';
import { startTestWorker, waitForVersion } from '../helpers/worker.js';

// An `event_time` project's group equals the fold of all its identifications in event-time
// order, whatever order they arrive in and however the worker batches them
// (docs/semantics.md#event-time). Each run sends one set of identifications to two groups in two
// random arrival orders, through ingest, the queue and a real worker and store.

const defer = deferCleanups('all');
const HOUR = 3_600_000;

interface Sent {
  time: number;
  group_properties: JsonObject;
}

/** The reference: the model's fold of `sent` in (time, tie) order. */
function foldInTimeOrder(sent: readonly Sent[], project: string): string {
  const keyed = sent.map((s) => {
    const event = eventOf({
      project,
      group_type: 'org',
      group_value: 'x',
      received_at: 0,
      ordering: 'event_time',
      ...s,
    });
    return { s, time: event?.time ?? 0, tie: event?.tie ?? '' };
  });
  keyed.sort((a, b) => a.time - b.time || (a.tie < b.tie ? -1 : a.tie > b.tie ? 1 : 0));
  const model = new Map<string, JsonValue>();
  for (const { s } of keyed) modelApply(model, s.group_properties);
  return canonicalMap(model);
}

async function setUp() {
  const ingest = await startTestIngest({ PARTITIONS: '2' });
  defer(() => ingest.close());
  const worker = await startTestWorker(ingest, { APPLY_BATCH_MAX_ITEMS: '3' });
  defer(() => worker.close());
  const project = await ingest.store.projects.create('event time', { ordering: 'event_time' });
  return { ingest, project };
}

/** Sends `sent` one identification per request, in this order; some in one request. */
async function sendAll(
  ingest: TestIngest,
  apiKey: string,
  value: string,
  sent: readonly Sent[],
  together: readonly number[],
): Promise<void> {
  for (let i = 0, r = 0; i < sent.length; r++) {
    const size = together[r] ?? 1;
    const identification = sent
      .slice(i, i + size)
      .map((s) => ({ group_type: 'org', group_value: value, ...s }));
    const reply = await send(ingest.url, { json: { api_key: apiKey, identification } });
    expect(reply.status, reply.text).toBe(200);
    i += size;
  }
}

/** What ingest accepts (the model's operations also make plain `$` keys, which it refuses). */
const acceptable = (groupProperties: JsonObject): boolean => {
  const problems: ValidationProblem[] = [];
  validateIdentification(
    { group_type: 'org', group_value: 'x', group_properties: groupProperties },
    0,
    problems,
  );
  return problems.length === 0;
};

const sentList = (start: number) =>
  fc.array(
    fc.record({
      // Few distinct times: equal times (the tie-break) are common.
      time: fc.integer({ min: 0, max: 6 }).map((k) => start + k * 600_000),
      group_properties: groupProperties.filter(acceptable),
    }),
    { minLength: 2, maxLength: 10 },
  );

describe('event-time order, through the worker and the store', () => {
  it('gives the fold in time order whatever the arrival order and batching', async () => {
    const { ingest, project } = await setUp();
    const start = Date.now() - 2 * HOUR;
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        sentList(start).chain((sent) =>
          fc.tuple(
            fc.constant(sent),
            fc.shuffledSubarray(sent, { minLength: sent.length }),
            fc.shuffledSubarray(sent, { minLength: sent.length }),
            fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: sent.length }),
            fc.boolean(),
          ),
        ),
        async ([sent, first, second, together, paused]) => {
          run += 1;
          const values = [`a${run}`, `b${run}`];
          // Queued while the worker waits, or applied as they come: batches of several jobs
          // or of one.
          const queues = values.map((value) =>
            ingest.queue(
              partitionOf(
                { project: project.id, group_type: 'org', group_value: value },
                ingest.config.PARTITIONS,
              ),
            ),
          );
          if (paused) await Promise.all(queues.map((q) => q.pause()));
          await sendAll(ingest, project.api_key, values[0] as string, first, together);
          await sendAll(ingest, project.api_key, values[1] as string, second, []);
          if (paused) await Promise.all(queues.map((q) => q.resume()));
          const expected = foldInTimeOrder(sent, project.id);
          const a = await waitFor(ingest, project.id, values[0] as string, sent.length);
          const b = await waitFor(ingest, project.id, values[1] as string, sent.length);
          expect(canonicalObject(a.properties)).toBe(expected);
          expect(canonicalObject(b.properties)).toBe(expected);
        },
      ),
      { numRuns: 40 },
    );
  });
});

async function waitFor(
  ingest: TestIngest,
  project: string,
  value: string,
  version: number,
  type = 'org',
) {
  return waitForVersion({ ...ingest, projectId: project }, type, value, version);
}

describe('event time on the way in, and in history and the change feed', () => {
  const get = async (
    ingest: TestIngest,
    keys: { api_key: string; secret_key: string },
    path: string,
  ) => {
    const res = await fetch(`${ingest.url}${path}`, {
      headers: { authorization: basic(keys.api_key, keys.secret_key) },
    });
    expect(res.status).toBe(200);
    return (await res.json()) as { items: Record<string, unknown>[] };
  };

  it('takes time from /groupidentify and HTTP V2, replaces one over an hour ahead, and feeds a late arrival as its net difference', async () => {
    const { ingest, project } = await setUp();
    const identify = (identification: unknown) =>
      send(ingest.url, { json: { api_key: project.api_key, identification } });
    const org = (time: unknown, group_properties: JsonObject) => ({
      group_type: 'org',
      group_value: 'late',
      time,
      group_properties,
    });
    expect((await identify(org('2026-12-05T10:00:00Z', { plan: 'pro' }))).status).toBe(200);
    await waitFor(ingest, project.id, 'late', 1);
    // Sent later, happened earlier: `plan` stays, `seats` is new.
    const early = Date.UTC(2026, 11, 5, 9);
    expect((await identify(org(early, { plan: 'free', seats: 3 }))).status).toBe(200);
    const group = await waitFor(ingest, project.id, 'late', 2);
    expect(group.properties).toEqual({ plan: 'pro', seats: 3 });

    // Through HTTP V2, with a time two hours ahead: the receipt time is taken.
    const ahead = Date.now() + 2 * HOUR;
    const v2 = await send(ingest.url, {
      path: '/2/httpapi',
      json: {
        api_key: project.api_key,
        events: [
          {
            event_type: '$groupidentify',
            groups: { org: 'late' },
            group_properties: { $set: { plan: 'enterprise' } },
            time: ahead,
          },
        ],
      },
    });
    expect(v2.status, v2.text).toBe(200);
    expect((await waitFor(ingest, project.id, 'late', 3)).properties).toEqual({
      plan: 'enterprise',
      seats: 3,
    });

    const history = await get(ingest, project, '/api/groups/org/late/history');
    const [third, second, first] = history.items;
    expect(first).toMatchObject({ version: 1, time: '2026-12-05T10:00:00.000Z' });
    expect(second).toMatchObject({
      version: 2,
      time: new Date(early).toISOString(),
      changes: { seats: { to: 3 } },
    });
    expect(third?.['time']).toBe(third?.['received_at']);
    expect(third?.['time_replaced']).toBe(new Date(ahead).toISOString());
    expect(first?.['time_replaced']).toBeUndefined();

    // The change feed: one update per arrival; the late one with only what it changed.
    const feed = await get(ingest, project, '/api/changes?group_type=org');
    const mine = feed.items.filter((c) => c['group_value'] === 'late');
    expect(mine.map((c) => [c['kind'], c['version'], c['changes']])).toEqual([
      ['create', 1, { plan: { to: 'pro' } }],
      ['update', 2, { seats: { to: 3 } }],
      ['update', 3, { plan: { from: 'pro', to: 'enterprise' } }],
    ]);
  });

  it('refuses an unreadable time with the field, on /groupidentify and HTTP V2', async () => {
    const { ingest, project } = await setUp();
    const bad = await send(ingest.url, {
      json: {
        api_key: project.api_key,
        identification: { group_type: 'org', group_value: 'x', group_properties: {}, time: 'soon' },
      },
    });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text)).toMatchObject({
      invalid: [
        {
          index: 0,
          field: 'time',
          reason: 'must be milliseconds since the epoch or an ISO-8601 date-time',
        },
      ],
    });
    const v2 = await send(ingest.url, {
      path: '/2/httpapi',
      json: {
        api_key: project.api_key,
        events: [{ event_type: '$groupidentify', groups: { org: 'x' }, time: -5 }],
      },
    });
    expect(v2.status).toBe(400);
    expect(JSON.parse(v2.text)).toMatchObject({ events_with_invalid_fields: { time: [0] } });
  });
});

describe('as_of in an event_time project', () => {
  it('undoes the identifications whose event time is after as_of, whatever their arrival', async () => {
    const { ingest, project } = await setUp();
    const at = (hour: number) => Date.UTC(2026, 11, 5, hour);
    // Arrive 11:00, 9:00, 10:00.
    const sent: Sent[] = [
      { time: at(11), group_properties: { $set: { plan: 'enterprise' }, $append: { seen: 11 } } },
      { time: at(9), group_properties: { $set: { plan: 'free', seats: 1 }, $append: { seen: 9 } } },
      { time: at(10), group_properties: { $setOnce: { first: 10 }, $append: { seen: 10 } } },
    ];
    await sendAll(ingest, project.api_key, 'asof', sent, []);
    await waitFor(ingest, project.id, 'asof', 3);
    const asOf = async (hour: number, minute = 0) => {
      const instant = new Date(Date.UTC(2026, 11, 5, hour, minute)).toISOString();
      const res = await fetch(`${ingest.url}/api/groups/org/asof?as_of=${instant}`, {
        headers: { authorization: basic(project.api_key, project.secret_key) },
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    expect((await asOf(8, 59)).status).toBe(404);
    expect((await asOf(9, 30)).body['properties']).toEqual({ plan: 'free', seats: 1, seen: [9] });
    expect((await asOf(10)).body['properties']).toEqual({
      plan: 'free',
      seats: 1,
      seen: [9, 10],
      first: 10,
    });
    expect((await asOf(12)).body['properties']).toEqual({
      plan: 'enterprise',
      seats: 1,
      seen: [9, 10, 11],
      first: 10,
    });
  });
});

describe('a group with more identifications than its document lists', () => {
  it('places a late one before all of them, reading history by group', async () => {
    const { ingest, project } = await setUp();
    const start = Date.UTC(2026, 11, 5);
    const sent: Sent[] = Array.from({ length: EVENT_INDEX_SIZE + 20 }, (_, i) => ({
      time: start + (i + 1) * 1000,
      group_properties: { $append: { seen: i }, $setOnce: { first: i }, $set: { last: i } },
    }));
    await sendAll(ingest, project.api_key, 'many', sent, [sent.length]);
    await waitFor(ingest, project.id, 'many', sent.length);
    const doc = await ingest.raw.groups.findOne({ project: project.id, group_value: 'many' });
    const late: Sent = {
      time: start,
      group_properties: { $append: { seen: -1 }, $setOnce: { first: -1 } },
    };
    await sendAll(ingest, project.api_key, 'many', [late], []);
    const group = await waitFor(ingest, project.id, 'many', sent.length + 1);
    expect(canonicalObject(group.properties)).toBe(foldInTimeOrder([...sent, late], project.id));
    expect(group.properties['first']).toBe(-1);
    // The document listed only the latest of them: the late one was placed by a query.
    expect(doc?.event_index).toHaveLength(EVENT_INDEX_SIZE);
    expect(doc?.event_index_trimmed).toBe(true);
  });
});

describe('event time from the other platforms', () => {
  it('Segment timestamp, PostHog timestamp and Mixpanel $time order an event_time project', async () => {
    const { ingest, project } = await setUp();
    const at = (hour: number) => new Date(Date.UTC(2026, 11, 5, hour)).toISOString();
    const segment = (hour: number, traits: JsonObject) =>
      send(ingest.url, {
        path: '/v1/batch',
        headers: { authorization: basic(project.api_key, '') },
        json: { batch: [{ type: 'group', groupId: 'p', traits, timestamp: at(hour) }] },
      });
    const posthog = (hour: number, set: JsonObject) =>
      send(ingest.url, {
        path: '/batch/',
        json: {
          api_key: project.api_key,
          batch: [
            {
              event: '$groupidentify',
              properties: { $group_type: 'company', $group_key: 'p', $group_set: set },
              timestamp: at(hour),
            },
          ],
        },
      });
    const mixpanel = (hour: number, set: JsonObject) =>
      send(ingest.url, {
        path: '/groups',
        form: {
          data: JSON.stringify({
            $token: project.api_key,
            $group_key: 'company',
            $group_id: 'p',
            $set: set,
            $time: Date.parse(at(hour)) / 1000,
          }),
        },
      });
    // Arrive 12:00, 10:00, 11:00: the 12:00 value stays; each earlier one only adds.
    expect((await segment(12, { plan: 'c', s: 1 })).status).toBe(200);
    await waitFor(ingest, project.id, 'p', 1, 'company');
    expect((await posthog(10, { plan: 'a', p: 1 })).status).toBe(200);
    await waitFor(ingest, project.id, 'p', 2, 'company');
    expect((await mixpanel(11, { plan: 'b', m: 1 })).status).toBe(200);
    const group = await waitFor(ingest, project.id, 'p', 3, 'company');
    expect(group.properties).toEqual({ plan: 'c', s: 1, p: 1, m: 1 });

    const unreadable = await send(ingest.url, {
      path: '/v1/batch',
      headers: { authorization: basic(project.api_key, '') },
      json: { batch: [{ type: 'group', groupId: 'p', traits: {}, timestamp: 'noon' }] },
    });
    expect(unreadable.status).toBe(400);
    expect(unreadable.text).toContain('timestamp');
  });
});
