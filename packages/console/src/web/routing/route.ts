/**
 * Where the page is, kept in the URL's hash (`#/groups/org/Acme`): every screen can be linked
 * to and reloaded, and the server needs no route of its own for it. A new screen is one more
 * variant here and one more entry in app.tsx's switch.
 */
export type Route =
  | GroupsRoute
  | { view: 'group'; groupType: string; groupValue: string }
  | ChangesRoute
  | { view: 'destinations' }
  | { view: 'destination'; id: string }
  | { view: 'operator' }
  | { view: 'not-found'; hash: string };

/** The live list of changes, of every type or of one (`#/changes?type=org`). */
export interface ChangesRoute {
  view: 'changes';
  groupType: string | undefined;
}

/** The changes route for a type; an empty or blank type is every type. */
export function changesRoute(groupType: string | undefined): ChangesRoute {
  const type = groupType?.trim() ?? '';
  return { view: 'changes', groupType: type === '' ? undefined : type };
}

/**
 * The list of groups: of one type or all (`?type=org`), matching a `where` or all
 * (`?where={"plan":"pro"}`, the filter's text as written, so a filtered list can be bookmarked).
 */
export interface GroupsRoute {
  view: 'groups';
  groupType: string | undefined;
  where?: string;
}

/** The list route for a type and a filter; an empty or blank filter is no filter. */
export function groupsRoute(groupType: string | undefined, where?: string): GroupsRoute {
  const filter = where?.trim() ?? '';
  return filter === ''
    ? { view: 'groups', groupType }
    : { view: 'groups', groupType, where: filter };
}

export function parseRoute(hash: string): Route {
  const bare = hash.replace(/^#/, '');
  // Only the first `?` starts the query: a `where` typed into the address bar may hold more.
  const mark = bare.indexOf('?');
  const path = mark === -1 ? bare : bare.slice(0, mark);
  const params = new URLSearchParams(mark === -1 ? '' : bare.slice(mark + 1));
  const segments = path.split('/').filter((s) => s !== '');
  const [first, type, value, ...rest] = segments;
  try {
    if (first === undefined || (first === 'groups' && type === undefined))
      return groupsRoute(params.get('type') ?? undefined, params.get('where') ?? undefined);
    if (first === 'groups' && type !== undefined && value !== undefined && rest.length === 0)
      return {
        view: 'group',
        groupType: decodeURIComponent(type),
        groupValue: decodeURIComponent(value),
      };
    if (first === 'changes' && type === undefined)
      return changesRoute(params.get('type') ?? undefined);
    if (first === 'destinations' && type === undefined) return { view: 'destinations' };
    if (first === 'destinations' && type !== undefined && value === undefined)
      return { view: 'destination', id: decodeURIComponent(type) };
    if (first === 'operator' && type === undefined) return { view: 'operator' };
  } catch {
    // a malformed %-escape: not a place the console knows
  }
  return { view: 'not-found', hash };
}

export function hrefOf(route: Route): string {
  switch (route.view) {
    case 'groups': {
      const params = new URLSearchParams();
      if (route.groupType !== undefined) params.set('type', route.groupType);
      if (route.where !== undefined) params.set('where', route.where);
      const query = params.toString();
      return query === '' ? '#/groups' : `#/groups?${query}`;
    }
    case 'group':
      return `#/groups/${encodeURIComponent(route.groupType)}/${encodeURIComponent(route.groupValue)}`;
    case 'changes':
      return route.groupType === undefined
        ? '#/changes'
        : `#/changes?${new URLSearchParams({ type: route.groupType }).toString()}`;
    case 'destinations':
      return '#/destinations';
    case 'destination':
      return `#/destinations/${encodeURIComponent(route.id)}`;
    case 'operator':
      return '#/operator';
    case 'not-found':
      return route.hash;
  }
}
