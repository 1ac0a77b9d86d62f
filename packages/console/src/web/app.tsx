import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ReadApi, type ProjectKeys } from './api/read-api';
import { ChangesView } from './changes/changes-view';
import { SignIn } from './components/sign-in';
import { DestinationView } from './destinations/destination-view';
import { DestinationsView } from './destinations/destinations-view';
import { GroupView } from './groups/group-view';
import { GroupsView } from './groups/groups-view';
import { OperatorView } from './operator/operator-view';
import { hrefOf, type Route } from './routing/route';
import { useRoute } from './routing/use-route';
import { loadKeys, saveKeys } from './session/tab-storage';

/** The console: a header, and the screen the URL's hash names (routing/route.ts). */
export function App() {
  const route = useRoute();
  const [keys, setKeys] = useState(loadKeys);
  const api = useMemo(() => (keys === undefined ? undefined : new ReadApi(keys)), [keys]);
  const main = useRef<HTMLElement>(null);
  useFocusOnArrival(main, route);

  const signIn = (next: ProjectKeys | undefined) => {
    saveKeys(next);
    setKeys(next);
  };

  return (
    <>
      <button type="button" class="skip-link" onClick={() => main.current?.focus()}>
        Skip to content
      </button>
      <header class="top">
        <a class="brand" href={hrefOf({ view: 'groups', groupType: undefined })}>
          groupidentify
        </a>
        <nav aria-label="Console">
          <ul>
            <li>
              <a
                href={hrefOf({ view: 'groups', groupType: undefined })}
                aria-current={
                  route.view === 'groups' || route.view === 'group' ? 'page' : undefined
                }
              >
                Groups
              </a>
            </li>
            <li>
              <a
                href={hrefOf({ view: 'changes', groupType: undefined })}
                aria-current={route.view === 'changes' ? 'page' : undefined}
              >
                Changes
              </a>
            </li>
            <li>
              <a
                href={hrefOf({ view: 'destinations' })}
                aria-current={
                  route.view === 'destinations' || route.view === 'destination' ? 'page' : undefined
                }
              >
                Destinations
              </a>
            </li>
            <li>
              <a
                href={hrefOf({ view: 'operator' })}
                aria-current={route.view === 'operator' ? 'page' : undefined}
              >
                Operator
              </a>
            </li>
          </ul>
        </nav>
        {keys !== undefined && (
          <div class="session">
            <span class="hint" title={keys.apiKey}>
              api_key {abbreviate(keys.apiKey)}
            </span>
            <button type="button" onClick={() => signIn(undefined)}>
              Sign out
            </button>
          </div>
        )}
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        <Screen route={route} api={api} onSignedIn={signIn} />
      </main>
    </>
  );
}

interface ScreenProps {
  route: Route;
  api: ReadApi | undefined;
  onSignedIn: (keys: ProjectKeys) => void;
}

/** One screen per route; the project's screens ask for its keys first. */
function Screen({ route, api, onSignedIn }: ScreenProps) {
  if (route.view === 'operator') return <OperatorView />;
  if (route.view === 'not-found')
    return (
      <section>
        <h1 tabIndex={-1}>Nothing here</h1>
        <p>
          The console has no page at <code>{route.hash}</code>.{' '}
          <a href={hrefOf({ view: 'groups', groupType: undefined })}>See the groups</a>.
        </p>
      </section>
    );
  if (api === undefined) return <SignIn onSignedIn={onSignedIn} />;
  if (route.view === 'group')
    return <GroupView api={api} groupType={route.groupType} groupValue={route.groupValue} />;
  if (route.view === 'changes') return <ChangesView api={api} groupType={route.groupType} />;
  if (route.view === 'destinations') return <DestinationsView api={api} />;
  if (route.view === 'destination') return <DestinationView api={api} id={route.id} />;
  return <GroupsView api={api} groupType={route.groupType} where={route.where} />;
}

/**
 * After a move to another screen, focus goes to its heading, as after a page load: keyboard and
 * screen-reader users start at the top of what changed, not wherever the old screen left them.
 */
function useFocusOnArrival(main: { current: HTMLElement | null }, route: Route): void {
  const first = useRef(true);
  // Another type in the list is the same screen: focus stays with the control that asked for it.
  const where =
    route.view === 'group' || route.view === 'destination' ? JSON.stringify(route) : route.view;
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    (main.current?.querySelector<HTMLElement>('h1') ?? main.current)?.focus();
  }, [where, main]);
}

function abbreviate(key: string): string {
  return key.length <= 10 ? key : `${key.slice(0, 6)}…${key.slice(-4)}`;
}
