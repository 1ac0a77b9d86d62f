import { useEffect, useState } from 'preact/hooks';
import { parseRoute, type Route } from './route';

/** The current route, following the hash (links, back and forward). */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const follow = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', follow);
    return () => removeEventListener('hashchange', follow);
  }, []);
  return route;
}

/** Goes to `href` (a `#/…` of hrefOf) as a link would. */
export function navigate(href: string): void {
  location.hash = href;
}
