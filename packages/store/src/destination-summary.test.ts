import { describe, expect, it } from 'vitest';
import { destinationView, RECENT_ATTEMPTS, summarize } from './destinations.js';
import type { DeliveryAttempt, DeliveryStateDocument, DestinationDocument } from './documents.js';

// summarize(): what the API and the CLI show of a destination's delivery, from its document, its
// partitions' delivery states and the feed heads.

const t = (minutes: number): Date => new Date(Date.UTC(2026, 11, 5, 10, minutes));

const destination = (over: Partial<DestinationDocument> = {}): DestinationDocument => ({
  _id: 'dst_0123456789abcdef',
  project: 'p',
  url: 'https://example.com/hook',
  secret: 'whsec_secret',
  status: 'active',
  created_at: t(0),
  start: [2, 0, 5, 1],
  ...over,
});

const attempt = (minute: number, over: Partial<DeliveryAttempt> = {}): DeliveryAttempt => ({
  at: t(minute),
  webhook_id: `w${minute}`,
  group_type: 'org',
  version: minute,
  status: 200,
  duration_ms: 4,
  ...over,
});

const state = (
  partition: number,
  over: Partial<DeliveryStateDocument> = {},
): DeliveryStateDocument => ({
  _id: JSON.stringify(['dst_0123456789abcdef', partition]),
  destination: 'dst_0123456789abcdef',
  partition,
  position: 0,
  delivered: 0,
  attempts: 0,
  recent: [],
  ...over,
});

describe('summarize', () => {
  it('without delivery states: pending from the start positions, nothing delivered', () => {
    expect(summarize(destination(), [], [2, 3, 9, 0])).toStrictEqual({
      delivered: 0,
      // 0 + 3 + 4 + max(0, 0 − 1)
      pending: 7,
      last_error: null,
      failing_since: null,
      partitions: [],
      recent: [],
    });
  });

  it('counts from each state position, sums deliveries, lists partitions in order', () => {
    const states = [
      state(2, { position: 8, delivered: 3, recent: [attempt(3)] }),
      state(0, { position: 4, delivered: 2, recent: [attempt(2), attempt(1)] }),
    ];
    const summary = summarize(destination(), states, [6, 3, 9, 1]);
    expect(summary.delivered).toBe(5);
    // p0: 6 − 4, p1: 3 − 0 (start), p2: 9 − 8, p3: 1 − 1
    expect(summary.pending).toBe(6);
    expect(summary.partitions).toStrictEqual([
      {
        partition: 0,
        position: 4,
        delivered: 2,
        attempts: 0,
        failing_since: null,
        retry_at: null,
        last_error: null,
      },
      {
        partition: 2,
        position: 8,
        delivered: 3,
        attempts: 0,
        failing_since: null,
        retry_at: null,
        last_error: null,
      },
    ]);
    expect(summary.recent.map((a) => a.webhook_id)).toStrictEqual(['w3', 'w2', 'w1']);
    expect(summary.recent[0]).toStrictEqual({
      at: t(3).toISOString(),
      webhook_id: 'w3',
      group_type: 'org',
      version: 3,
      status: 200,
      duration_ms: 4,
    });
  });

  it('a partition past the head (after a resize) counts nothing, not less than nothing', () => {
    expect(summarize(destination(), [state(0, { position: 9 })], [3, 0, 5, 1]).pending).toBe(0);
  });

  it('reports the partition failing longest: its error and since when', () => {
    const states = [
      state(0, { failing_since: t(20), retry_at: t(21), attempts: 2, last_error: 'HTTP 500' }),
      state(1, { failing_since: t(10), retry_at: t(22), attempts: 5, last_error: 'timeout' }),
      state(2, { last_error: 'an old error, cleared' }),
    ];
    const summary = summarize(destination(), states, [0, 0, 0, 0]);
    expect(summary.failing_since).toBe(t(10).toISOString());
    expect(summary.last_error).toBe('timeout');
    expect(summary.partitions[1]).toStrictEqual({
      partition: 1,
      position: 0,
      delivered: 0,
      attempts: 5,
      failing_since: t(10).toISOString(),
      retry_at: t(22).toISOString(),
      last_error: 'timeout',
    });
  });

  it("a failing destination's own failing_since comes first", () => {
    const states = [state(1, { failing_since: t(10), last_error: 'timeout' })];
    const doc = destination({ status: 'failing', failing_since: t(40) });
    const summary = summarize(doc, states, [0, 0, 0, 0]);
    expect(summary.failing_since).toBe(t(40).toISOString());
    expect(summary.last_error).toBe('timeout');
  });

  it(`keeps the latest ${RECENT_ATTEMPTS} attempts over all partitions, newest first`, () => {
    const states = [0, 1, 2].map((p) =>
      state(p, {
        recent: Array.from({ length: RECENT_ATTEMPTS }, (_, i) =>
          attempt(i * 3 + p, { status: 503, error: 'HTTP 503' }),
        ).reverse(),
      }),
    );
    const recent = summarize(destination(), states, [0, 0, 0, 0]).recent;
    expect(recent.map((a) => a.version)).toStrictEqual(
      Array.from({ length: RECENT_ATTEMPTS }, (_, i) => RECENT_ATTEMPTS * 3 - 1 - i),
    );
    expect(recent[0]).toMatchObject({ status: 503, error: 'HTTP 503' });
  });
});

describe('destinationView', () => {
  it('shows everything but the secret, absent fields as null, dates as ISO-8601', () => {
    expect(destinationView(destination())).toStrictEqual({
      id: 'dst_0123456789abcdef',
      url: 'https://example.com/hook',
      group_type: null,
      description: null,
      status: 'active',
      created_at: t(0).toISOString(),
      failing_since: null,
    });
    const failing = destination({
      group_type: 'org',
      description: 'CRM sync',
      status: 'failing',
      failing_since: t(30),
    });
    expect(destinationView(failing)).toMatchObject({
      group_type: 'org',
      description: 'CRM sync',
      failing_since: t(30).toISOString(),
    });
  });
});
