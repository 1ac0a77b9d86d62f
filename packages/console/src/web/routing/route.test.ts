import { describe, expect, it } from 'vitest';
import { changesRoute, groupsRoute, hrefOf, parseRoute, type Route } from './route';

describe('routes in the hash', () => {
  it('round-trip, names with slashes, spaces and % included', () => {
    const routes: Route[] = [
      { view: 'groups', groupType: undefined },
      { view: 'groups', groupType: 'org unit/2' },
      { view: 'groups', groupType: undefined, where: '{"plan":"pro"}' },
      { view: 'groups', groupType: 'org', where: '{"a?b&c=d #%+": {"$in": ["x y", "50%"]}}' },
      { view: 'group', groupType: 'org', groupValue: 'Acme Inc/EU 100%' },
      { view: 'changes', groupType: undefined },
      { view: 'changes', groupType: 'org unit/2 & 50%?' },
      { view: 'destinations' },
      { view: 'destination', id: 'dst_0123456789abcdef' },
      { view: 'destination', id: 'odd/id 100%' },
      { view: 'operator' },
    ];
    for (const route of routes) expect(parseRoute(hrefOf(route))).toStrictEqual(route);
  });

  it('an empty hash is the list of groups; anything else unknown is not found', () => {
    expect(parseRoute('')).toStrictEqual({ view: 'groups', groupType: undefined });
    expect(parseRoute('#/')).toStrictEqual({ view: 'groups', groupType: undefined });
    expect(parseRoute('#/nope')).toStrictEqual({ view: 'not-found', hash: '#/nope' });
    expect(parseRoute('#/groups/org/%E0%A4%A')).toMatchObject({ view: 'not-found' });
    expect(parseRoute('#/destinations/a/b')).toMatchObject({ view: 'not-found' });
  });
});

describe('the changes screen in the hash', () => {
  it('keeps the type as a query parameter; none, or a blank one, is every type', () => {
    expect(hrefOf(changesRoute('org'))).toBe('#/changes?type=org');
    expect(hrefOf(changesRoute(undefined))).toBe('#/changes');
    expect(hrefOf(changesRoute('  '))).toBe('#/changes');
    expect(parseRoute('#/changes?type=org')).toStrictEqual({ view: 'changes', groupType: 'org' });
    expect(parseRoute('#/changes?type=')).toStrictEqual({ view: 'changes', groupType: undefined });
    expect(parseRoute('#/changes/org')).toStrictEqual({ view: 'not-found', hash: '#/changes/org' });
  });
});

describe('the where filter in the hash', () => {
  it('is a query parameter beside the type, encoded', () => {
    expect(hrefOf(groupsRoute('org', '{"plan":"pro"}'))).toBe(
      '#/groups?type=org&where=%7B%22plan%22%3A%22pro%22%7D',
    );
    expect(hrefOf(groupsRoute(undefined, '{"n":1}'))).toBe('#/groups?where=%7B%22n%22%3A1%7D');
  });

  it('blank is no filter, and the text is kept as written but for the ends', () => {
    expect(groupsRoute('org', '  ')).toStrictEqual({ view: 'groups', groupType: 'org' });
    expect(groupsRoute('org', undefined)).toStrictEqual({ view: 'groups', groupType: 'org' });
    expect(hrefOf(groupsRoute('org', ''))).toBe('#/groups?type=org');
    expect(groupsRoute(undefined, ' {"a" : 1} ')).toStrictEqual({
      view: 'groups',
      groupType: undefined,
      where: '{"a" : 1}',
    });
    expect(parseRoute('#/groups?where=')).toStrictEqual({ view: 'groups', groupType: undefined });
  });

  it('reads a where typed into the address bar, raw ? and all', () => {
    expect(parseRoute('#/groups?type=org&where={"q":"why?"}')).toStrictEqual({
      view: 'groups',
      groupType: 'org',
      where: '{"q":"why?"}',
    });
    // Browsers escape quotes and spaces in the hash.
    expect(parseRoute('#/groups?where=%7B%22a%22:%20%22b%22%7D')).toStrictEqual({
      view: 'groups',
      groupType: undefined,
      where: '{"a": "b"}',
    });
  });
});
