import { describe, expect, it } from 'vitest';
import { feedChange } from '@groupidentify/store/testing';
import { encodeNotice, parseNotice } from './change-notice-message.js';

const change = feedChange('acme', {
  kind: 'create',
  version: 1,
  changes: { plan: { to: 'free' } },
});

describe('change notices as published', () => {
  it('read back as written, the projects first', () => {
    const announcement = {
      partition: 3,
      committed: new Map([
        ['a', 12],
        ['b', 4],
      ]),
      segments: new Map([['a', { after: 9, to: 12, changes: [{ position: 11, change }] }]]),
    };
    const message = encodeNotice(announcement);
    expect((JSON.parse(message) as unknown[]).slice(0, 2)).toEqual(['a', 'b']);
    expect(parseNotice(message)).toEqual({ projects: ['a', 'b'], announcements: [announcement] });
  });

  it('read a notice of projects only, and nothing from what is not a notice', () => {
    expect(parseNotice('["a","b"]')).toEqual({ projects: ['a', 'b'], announcements: [] });
    for (const text of ['{', '{"a":1}', '7', 'null'])
      expect(parseNotice(text)).toEqual({ projects: [], announcements: [] });
  });

  it('leave out a segment that is not well formed, and only it', () => {
    const good = { after: 0, to: 2, changes: [{ position: 1, change }] };
    const bad = {
      outside: { after: 0, to: 2, changes: [{ position: 3, change }] },
      backwards: {
        after: 0,
        to: 5,
        changes: [
          { position: 2, change },
          { position: 1, change },
        ],
      },
      empty: { after: 2, to: 2, changes: [] },
      untyped: { after: 0, to: 2, changes: [{ position: 1, change: { applied_at: 'x' } }] },
      uncommitted: good,
    };
    const committed = { good: 2, outside: 2, backwards: 5, empty: 2, untyped: 2 };
    const message = JSON.stringify([
      'good',
      { partition: 1, committed, changes: { good, ...bad } },
    ]);
    const [announcement] = parseNotice(message).announcements;
    expect([...(announcement?.segments.keys() ?? [])]).toEqual(['good']);
    expect(announcement?.committed.size).toBe(5);
  });

  it('leave out partitions and positions no cursor can hold', () => {
    const entries = [
      { partition: -1, committed: { a: 1 } },
      { partition: 4096, committed: { a: 1 } },
      { partition: 'one', committed: { a: 1 } },
      { partition: 2, committed: { a: -3, b: 1.5, c: 'x', d: 2 } },
    ];
    const { announcements } = parseNotice(JSON.stringify(['a', ...entries]));
    expect(announcements).toEqual([
      { partition: 2, committed: new Map([['d', 2]]), segments: new Map() },
    ]);
  });
});
