import type { FeedChange } from './change-view.js';

/**
 * A change as the feed shows it, for tests of what carries, keeps or merges changes: an update of
 * group `org`/`groupValue` applied on 2000-01-01 (earlier than anything a test writes), with
 * `fields` over those.
 */
export function feedChange(groupValue: string, fields: Partial<FeedChange> = {}): FeedChange {
  return {
    kind: 'update',
    group_type: 'org',
    group_value: groupValue,
    version: 2,
    accepted_at: '2000-01-01T00:00:00.000Z',
    applied_at: '2000-01-01T00:00:00.000Z',
    changes: {},
    ...fields,
  };
}
