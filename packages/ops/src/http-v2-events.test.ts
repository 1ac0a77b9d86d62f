import { describe, expect, it } from 'vitest';
import { identificationsFromEvents } from './http-v2-events.js';

const event = (extra: object) => ({
  event_type: '$groupidentify',
  group_properties: { $set: { a: 1 } },
  ...extra,
});

describe('identificationsFromEvents (docs/api.md)', () => {
  it('fans out array group names in order, with the event insert_id', () => {
    const result = identificationsFromEvents([
      event({ groups: { org: ['b', 'a'], team: 7 }, insert_id: 'x', user_id: 'ignored' }),
      event({ groups: { org: 'c' } }),
    ]);
    expect(result).toStrictEqual({
      ok: true,
      identifications: [
        {
          group_type: 'org',
          group_value: 'b',
          group_properties: { $set: { a: 1 } },
          insert_id: 'x',
        },
        {
          group_type: 'org',
          group_value: 'a',
          group_properties: { $set: { a: 1 } },
          insert_id: 'x',
        },
        {
          group_type: 'team',
          group_value: '7',
          group_properties: { $set: { a: 1 } },
          insert_id: 'x',
        },
        { group_type: 'org', group_value: 'c', group_properties: { $set: { a: 1 } } },
      ],
    });
  });

  it('reports invalid events by field and index, and returns nothing', () => {
    const result = identificationsFromEvents([
      event({ groups: { org: 'a' } }),
      { event_type: 'click', groups: { org: 'a' } },
      event({ groups: {} }),
      event({ groups: { org: 'a' }, group_properties: { $nope: {} } }),
      event({ groups: { org: true } }),
      'not an event',
      event({ groups: { org: 'a' }, insert_id: '' }),
    ]);
    expect(result).toStrictEqual({
      ok: false,
      invalidFields: {
        event_type: [1],
        groups: [2, 4],
        group_properties: [3],
        event: [5],
        insert_id: [6],
      },
    });
  });
});
