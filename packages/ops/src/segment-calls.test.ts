import { describe, expect, it } from 'vitest';
import { problemsOfCalls } from './platform-calls.js';
import {
  identificationsFromSegmentCalls,
  readSegmentRequest,
  segmentField,
} from './segment-calls.js';
import { validateIdentificationBatch } from './validate-identifications.js';

// What @segment/analytics-node's group() puts in a /v1/batch body (its event factory).
const group = (extra: object = {}) => ({
  type: 'group',
  groupId: 'acme',
  traits: { plan: 'pro' },
  userId: 'u1',
  messageId: 'node-next-1700000000000-3f0b6f7e-0000-4000-8000-000000000001',
  timestamp: '2026-01-01T00:00:00.000Z',
  context: { library: { name: '@segment/analytics-node', version: '3.1.0' } },
  integrations: {},
  ...extra,
});
const options = { defaultGroupType: 'company' };

describe('readSegmentRequest (docs/sdks.md)', () => {
  it.each([
    [
      '/v1/batch with writeKey',
      { batch: [group()], writeKey: 'w', sentAt: 'x' },
      true,
      { ok: true, writeKey: 'w', calls: [group()] },
    ],
    [
      '/v1/batch without writeKey',
      { batch: [] },
      true,
      { ok: true, writeKey: undefined, calls: [] },
    ],
    [
      'an empty writeKey',
      { batch: [], writeKey: '' },
      true,
      { ok: true, writeKey: undefined, calls: [] },
    ],
    [
      '/v1/group: the body is the call',
      group({ writeKey: 'w' }),
      false,
      { ok: true, writeKey: 'w', calls: [group({ writeKey: 'w' })] },
    ],
    [
      'batch not an array',
      { batch: 'x' },
      true,
      { ok: false, reason: 'batch must be an array of calls' },
    ],
    ['an array body', [group()], true, { ok: false, reason: 'the body must be a JSON object' }],
    ['a number', 1, false, { ok: false, reason: 'the body must be a JSON object' }],
  ])('%s', (_name, body, batch, expected) => {
    expect(readSegmentRequest(body, batch)).toStrictEqual(expected);
  });
});

describe('identificationsFromSegmentCalls (docs/sdks.md)', () => {
  const messageId = 'node-next-1700000000000-3f0b6f7e-0000-4000-8000-000000000001';
  it.each([
    [
      'traits → $set, the default group_type, messageId → insert_id, timestamp → time',
      group(),
      options,
      {
        group_type: 'company',
        group_value: 'acme',
        group_properties: { $set: { plan: 'pro' } },
        insert_id: messageId,
        time: '2026-01-01T00:00:00.000Z',
      },
    ],
    [
      'traits.group_type names the type and is not set as a property',
      group({ traits: { group_type: 'team', plan: 'pro' } }),
      options,
      {
        group_type: 'team',
        group_value: 'acme',
        group_properties: { $set: { plan: 'pro' } },
        insert_id: messageId,
        time: '2026-01-01T00:00:00.000Z',
      },
    ],
    [
      'a null traits.group_type counts as absent (and is not set either)',
      group({ traits: { group_type: null, a: 1 } }),
      options,
      {
        group_type: 'company',
        group_value: 'acme',
        group_properties: { $set: { a: 1 } },
        insert_id: messageId,
        time: '2026-01-01T00:00:00.000Z',
      },
    ],
    [
      'no traits: an empty $set (the group is created); a numeric groupId',
      { type: 'group', groupId: 42 },
      options,
      {
        group_type: 'company',
        group_value: 42,
        group_properties: { $set: {} },
        insert_id: undefined,
      },
    ],
    [
      'the type of a single-call endpoint wins over the body',
      group({ type: 'track' }),
      { ...options, type: 'group' },
      {
        group_type: 'company',
        group_value: 'acme',
        group_properties: { $set: { plan: 'pro' } },
        insert_id: messageId,
        time: '2026-01-01T00:00:00.000Z',
      },
    ],
  ])('%s', (_name, call, callOptions, identification) => {
    expect(identificationsFromSegmentCalls([call], callOptions)).toStrictEqual({
      identifications: [identification],
      callIndexes: [0],
      ignored: 0,
      problems: [],
    });
  });

  it('keeps group calls in order and counts the other types as ignored', () => {
    const calls = identificationsFromSegmentCalls(
      [
        { type: 'track', event: 'x' },
        group({ groupId: 'a' }),
        { type: 'identify', userId: 'u' },
        { type: 'page' },
        group({ groupId: 'b' }),
      ],
      options,
    );
    expect(calls.identifications.map((i) => i['group_value'])).toStrictEqual(['a', 'b']);
    expect(calls.callIndexes).toStrictEqual([1, 4]);
    expect(calls.ignored).toBe(3);
  });

  it.each([
    ['no call', [], { index: 0, field: 'batch', reason: 'holds no call' }],
    [
      'a call that is not an object',
      ['x'],
      { index: 0, field: 'call', reason: 'must be an object' },
    ],
    [
      'a call without a type',
      [{ groupId: 'a' }],
      { index: 0, field: 'type', reason: 'is required' },
    ],
  ])('refuses %s', (_name, calls, problem) => {
    expect(identificationsFromSegmentCalls(calls, options).problems).toStrictEqual([problem]);
  });

  it('validation problems name the call and Segment fields', () => {
    const calls = identificationsFromSegmentCalls(
      [
        { type: 'track' },
        group({ groupId: null, traits: { group_type: 7 } }),
        group({ traits: 'x', messageId: '' }),
      ],
      options,
    );
    const validation = validateIdentificationBatch(calls.identifications);
    if (validation.ok || validation.status !== 400) throw new Error('expected a 400');
    expect(problemsOfCalls(validation.problems, calls, segmentField)).toStrictEqual([
      { index: 1, field: 'traits.group_type', reason: 'must be a string' },
      { index: 1, field: 'groupId', reason: 'is required' },
      { index: 2, field: 'traits', reason: 'must be an object of property names to values' },
      { index: 2, field: 'messageId', reason: 'must be a string of 1 to 128 characters' },
    ]);
  });
});
