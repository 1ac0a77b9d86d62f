import { describe, expect, it } from 'vitest';
import type { FeedChange } from '../api/types';
import { EMPTY_LIST, addChanges } from './change-list';

const change = (n: number, value = `g${n}`, kind: FeedChange['kind'] = 'update'): FeedChange => ({
  cursor: `c${n}`,
  kind,
  group_type: 'org',
  group_value: value,
  version: n,
  accepted_at: '2026-01-01T00:00:00.000Z',
  applied_at: '2026-01-01T00:00:00.000Z',
  changes: kind === 'delete' ? {} : { n: { to: n } },
});
const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => change(from + i));

describe('addChanges', () => {
  it('takes a deletion, which carries only the hash of its value, as the deletion of the group of that hash', () => {
    const hashed = (c: FeedChange, hash: string): FeedChange => ({ ...c, group_hash: hash });
    const { group_value: _value, ...deletion } = hashed(change(3, 'a', 'delete'), 'h-a');
    const list = addChanges(EMPTY_LIST, [
      hashed(change(1, 'a'), 'h-a'),
      hashed(change(2, 'b'), 'h-b'),
      deletion,
    ]);
    expect(list.items.map((a) => [a.change.kind, a.change.group_value])).toStrictEqual([
      ['delete', 'a'],
      ['update', 'b'],
    ]);
    expect(list.erased).toBe(1);
  });

  it('puts what arrived on top, newest first, numbered in the order of arrival', () => {
    const list = addChanges(addChanges(EMPTY_LIST, range(1, 2)), range(3, 4));
    expect(list.items.map((a) => [a.seq, a.change.cursor])).toStrictEqual([
      [4, 'c4'],
      [3, 'c3'],
      [2, 'c2'],
      [1, 'c1'],
    ]);
    expect(list.received).toBe(4);
  });

  it('keeps only the newest, and counts everything received', () => {
    let list = EMPTY_LIST;
    for (let n = 1; n <= 10; n++) list = addChanges(list, [change(n)], 3);
    expect(list.items.map((a) => a.change.version)).toStrictEqual([10, 9, 8]);
    expect(list.received).toBe(10);
    // A batch larger than what is kept.
    const big = addChanges(list, range(11, 20), 3);
    expect(big.items.map((a) => a.seq)).toStrictEqual([20, 19, 18]);
    expect(big.received).toBe(20);
  });

  it('a deletion takes the earlier changes of its group off, not its earlier deletions', () => {
    let list = addChanges(EMPTY_LIST, [change(1, 'a', 'create'), change(2, 'b', 'create')]);
    list = addChanges(list, [change(3, 'a'), change(4, 'a', 'delete')]);
    expect(list.items.map((a) => [a.change.cursor, a.erased])).toStrictEqual([
      ['c4', 2],
      ['c2', undefined],
    ]);
    // A new life, erased again: the first deletion stays.
    list = addChanges(list, [change(5, 'a', 'create')]);
    list = addChanges(list, [change(6, 'a', 'delete')]);
    expect(list.items.map((a) => [a.change.cursor, a.erased])).toStrictEqual([
      ['c6', 1],
      ['c4', 2],
      ['c2', undefined],
    ]);
    expect(list).toMatchObject({ received: 6, erased: 3 });
    // Another type with the same value is another group.
    const other = { ...change(7, 'b', 'delete'), group_type: 'team' };
    expect(addChanges(list, [other]).items.map((a) => a.change.cursor)).toContain('c2');
  });

  it('nothing new is the same list', () => {
    const list = addChanges(EMPTY_LIST, [change(1)]);
    expect(addChanges(list, [])).toBe(list);
  });
});
