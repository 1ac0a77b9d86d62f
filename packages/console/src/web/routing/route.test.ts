import { describe, expect, it } from 'vitest';
import { hrefOf, parseRoute, type Route } from './route';

describe('routes in the hash', () => {
  it('round-trip, names with slashes, spaces and % included', () => {
    const routes: Route[] = [
      { view: 'groups', groupType: undefined },
      { view: 'groups', groupType: 'org unit/2' },
      { view: 'group', groupType: 'org', groupValue: 'Acme Inc/EU 100%' },
      { view: 'operator' },
    ];
    for (const route of routes) expect(parseRoute(hrefOf(route))).toStrictEqual(route);
  });

  it('an empty hash is the list of groups; anything else unknown is not found', () => {
    expect(parseRoute('')).toStrictEqual({ view: 'groups', groupType: undefined });
    expect(parseRoute('#/')).toStrictEqual({ view: 'groups', groupType: undefined });
    expect(parseRoute('#/nope')).toStrictEqual({ view: 'not-found', hash: '#/nope' });
    expect(parseRoute('#/groups/org/%E0%A4%A')).toMatchObject({ view: 'not-found' });
  });
});
