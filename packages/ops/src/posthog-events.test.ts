import { describe, expect, it } from 'vitest';
import { problemsOfCalls } from './platform-calls.js';
import {
  identificationsFromPostHogEvents,
  postHogField,
  readPostHogRequest,
} from './posthog-events.js';
import { validateIdentificationBatch } from './validate-identifications.js';

// What posthog-node's groupIdentify() puts in a /batch/ body (its client.ts and @posthog/core).
const groupIdentify = (extra: object = {}, properties: object = {}) => ({
  distinct_id: '$company_acme',
  event: '$groupidentify',
  properties: {
    $group_type: 'company',
    $group_key: 'acme',
    $group_set: { plan: 'pro' },
    $lib: 'posthog-node',
    $lib_version: '5.70.0',
    ...properties,
  },
  timestamp: '2026-01-01T00:00:00.000Z',
  uuid: '0190a5c4-7d3e-7000-8000-000000000001',
  ...extra,
});

describe('readPostHogRequest: the bodies PostHog capture takes (docs/sdks.md)', () => {
  const event = groupIdentify();
  it.each([
    [
      '{api_key, batch} (/batch/ of the server SDKs)',
      { api_key: 'k', batch: [event], sent_at: 'x' },
      { ok: true, token: { ok: true, token: 'k' }, events: [event] },
    ],
    [
      '{token, batch}',
      { token: 'k', batch: [] },
      { ok: true, token: { ok: true, token: 'k' }, events: [] },
    ],
    [
      '{api_key, data: [...]}',
      { api_key: 'k', data: [event] },
      { ok: true, token: { ok: true, token: 'k' }, events: [event] },
    ],
    [
      'a batch without a request key: each event carries it',
      {
        batch: [
          { ...event, api_key: 'k' },
          { ...event, properties: { token: 'k' } },
        ],
      },
      {
        ok: true,
        token: { ok: true, token: 'k' },
        events: [
          { ...event, api_key: 'k' },
          { ...event, properties: { token: 'k' } },
        ],
      },
    ],
    [
      'one event (/capture/, /i/v0/e/)',
      { ...event, api_key: 'k' },
      { ok: true, token: { ok: true, token: 'k' }, events: [{ ...event, api_key: 'k' }] },
    ],
    [
      'one event with a property named data',
      { ...event, $token: 'k', data: 1 },
      { ok: true, token: { ok: true, token: 'k' }, events: [{ ...event, $token: 'k', data: 1 }] },
    ],
    [
      'an array of events',
      [{ ...event, token: 'k' }],
      { ok: true, token: { ok: true, token: 'k' }, events: [{ ...event, token: 'k' }] },
    ],
    [
      'events with two keys',
      [
        { ...event, token: 'a' },
        { ...event, token: 'b' },
      ],
      {
        ok: true,
        token: { ok: false, reason: 'mixed' },
        events: [
          { ...event, token: 'a' },
          { ...event, token: 'b' },
        ],
      },
    ],
    [
      'no key anywhere',
      { batch: [event] },
      { ok: true, token: { ok: false, reason: 'missing' }, events: [event] },
    ],
    [
      'an empty api_key',
      { api_key: '', batch: [event] },
      { ok: true, token: { ok: false, reason: 'missing' }, events: [event] },
    ],
    [
      'batch not an array',
      { api_key: 'k', batch: {} },
      { ok: false, reason: 'batch must be an array of events' },
    ],
    ['a string', 'x', { ok: false, reason: 'the body must be a JSON object or array' }],
    ['null', null, { ok: false, reason: 'the body must be a JSON object or array' }],
  ])('%s', (_name, body, expected) => {
    expect(readPostHogRequest(body)).toStrictEqual(expected);
  });
});

describe('identificationsFromPostHogEvents (docs/sdks.md)', () => {
  it.each([
    [
      '$group_set → $set, uuid → insert_id; other properties ignored',
      groupIdentify(),
      { $set: { plan: 'pro' } },
      '0190a5c4-7d3e-7000-8000-000000000001',
    ],
    [
      '$group_set_once → $setOnce',
      groupIdentify({}, { $group_set_once: { first: 1 } }),
      { $set: { plan: 'pro' }, $setOnce: { first: 1 } },
      '0190a5c4-7d3e-7000-8000-000000000001',
    ],
    [
      'no $group_set: an empty $set (the group is created)',
      {
        event: '$groupidentify',
        properties: { $group_type: 'company', $group_key: 'acme' },
        timestamp: '2026-01-01T00:00:00.000Z',
      },
      { $set: {} },
      undefined,
    ],
    [
      'a null $group_set counts as absent',
      groupIdentify({ uuid: undefined }, { $group_set: null }),
      { $set: {} },
      undefined,
    ],
  ])('%s', (_name, event, groupProperties, insertId) => {
    expect(identificationsFromPostHogEvents([event])).toStrictEqual({
      identifications: [
        {
          group_type: 'company',
          group_value: 'acme',
          group_properties: groupProperties,
          insert_id: insertId,
          time: '2026-01-01T00:00:00.000Z',
        },
      ],
      callIndexes: [0],
      ignored: 0,
      problems: [],
    });
  });

  it('keeps $groupidentify events in order and counts the others as ignored', () => {
    const calls = identificationsFromPostHogEvents([
      { event: '$pageview', properties: {} },
      groupIdentify({ uuid: 'u1' }),
      { event: 'signed up' },
      groupIdentify({ uuid: 'u2' }, { $group_key: 'beta' }),
    ]);
    expect(calls.identifications.map((i) => [i['group_value'], i['insert_id']])).toStrictEqual([
      ['acme', 'u1'],
      ['beta', 'u2'],
    ]);
    expect(calls.callIndexes).toStrictEqual([1, 3]);
    expect(calls.ignored).toBe(2);
    expect(calls.problems).toStrictEqual([]);
  });

  it.each([
    ['no event', [], { index: 0, field: 'batch', reason: 'holds no event' }],
    [
      'an event that is not an object',
      [1],
      { index: 0, field: 'event', reason: 'must be an object' },
    ],
    [
      'an event without a name',
      [{ properties: {} }],
      { index: 0, field: 'event', reason: 'is required' },
    ],
    ['an empty name', [{ event: '' }], { index: 0, field: 'event', reason: 'is required' }],
    [
      'properties that are not an object',
      [{ event: 'x' }, { event: '$groupidentify', properties: [1] }],
      { index: 1, field: 'properties', reason: 'must be an object' },
    ],
  ])('refuses %s', (_name, events, problem) => {
    expect(identificationsFromPostHogEvents(events).problems).toStrictEqual([problem]);
  });

  it('validation problems name the event and PostHog fields', () => {
    const calls = identificationsFromPostHogEvents([
      { event: 'other' },
      groupIdentify({ uuid: 5 }, { $group_type: undefined, $group_set: { a: 1 } }),
      groupIdentify({}, { $group_key: '', $group_set: 'x', $group_set_once: { '': 1 } }),
    ]);
    const validation = validateIdentificationBatch(calls.identifications);
    if (validation.ok || validation.status !== 400) throw new Error('expected a 400');
    expect(problemsOfCalls(validation.problems, calls, postHogField)).toStrictEqual([
      { index: 1, field: 'properties.$group_type', reason: 'is required' },
      { index: 1, field: 'uuid', reason: 'must be a string of 1 to 128 characters' },
      { index: 2, field: 'properties.$group_key', reason: 'must be 1 to 1024 characters' },
      {
        index: 2,
        field: 'properties.$group_set',
        reason: 'must be an object of property names to values',
      },
      { index: 2, field: 'properties.$group_set_once.', reason: 'property name must not be empty' },
    ]);
  });

  it('a valid batch validates to the identifications applied', () => {
    const calls = identificationsFromPostHogEvents([groupIdentify({}, { $group_key: 42 })]);
    expect(validateIdentificationBatch(calls.identifications)).toStrictEqual({
      ok: true,
      identifications: [
        {
          group_type: 'company',
          group_value: '42',
          group_properties: { $set: { plan: 'pro' } },
          insert_id: '0190a5c4-7d3e-7000-8000-000000000001',
          time: Date.UTC(2026, 0, 1),
        },
      ],
      propertyKeys: 1,
    });
  });
});
