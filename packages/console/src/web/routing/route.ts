/**
 * Where the page is, kept in the URL's hash (`#/groups/org/Acme`): every screen can be linked
 * to and reloaded, and the server needs no route of its own for it. A new screen is one more
 * variant here and one more entry in app.tsx's switch (the live changes view: `#/changes`).
 */
export type Route =
  | { view: 'groups'; groupType: string | undefined }
  | { view: 'group'; groupType: string; groupValue: string }
  | { view: 'operator' }
  | { view: 'not-found'; hash: string };

export function parseRoute(hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#/, '').split('?');
  const segments = path.split('/').filter((s) => s !== '');
  const params = new URLSearchParams(query);
  const [first, type, value, ...rest] = segments;
  try {
    if (first === undefined || (first === 'groups' && type === undefined))
      return { view: 'groups', groupType: params.get('type') ?? undefined };
    if (first === 'groups' && type !== undefined && value !== undefined && rest.length === 0)
      return {
        view: 'group',
        groupType: decodeURIComponent(type),
        groupValue: decodeURIComponent(value),
      };
    if (first === 'operator' && type === undefined) return { view: 'operator' };
  } catch {
    // a malformed %-escape: not a place the console knows
  }
  return { view: 'not-found', hash };
}

export function hrefOf(route: Route): string {
  switch (route.view) {
    case 'groups':
      return route.groupType === undefined
        ? '#/groups'
        : `#/groups?${new URLSearchParams({ type: route.groupType }).toString()}`;
    case 'group':
      return `#/groups/${encodeURIComponent(route.groupType)}/${encodeURIComponent(route.groupValue)}`;
    case 'operator':
      return '#/operator';
    case 'not-found':
      return route.hash;
  }
}
