import { useEffect, useState } from 'preact/hooks';
import type { ReadApi } from '../api/read-api';
import { ErrorMessage } from '../components/error-message';
import { TimeStamp } from '../components/time-stamp';
import { formatCount } from '../format/numbers';
import { changesRoute, hrefOf } from '../routing/route';
import { navigate } from '../routing/use-route';
import { ChangeEntry } from './change-entry';
import { KEPT, type ChangeList } from './change-list';
import { useChangeFeed, type ShownStatus } from './use-change-feed';

interface Props {
  api: ReadApi;
  /** Only changes of groups of this type (from the URL); undefined for every type. */
  groupType: string | undefined;
}

/**
 * The project's changes as they are applied (`GET /api/changes/stream`), newest at the top,
 * from the moment the screen opens. Another type starts a new list from then.
 */
export function ChangesView({ api, groupType }: Props) {
  return (
    <section aria-labelledby="changes-title">
      <h1 id="changes-title" tabIndex={-1}>
        Changes
      </h1>
      <TypeForm groupType={groupType} />
      <LiveChanges key={groupType ?? ''} api={api} groupType={groupType} />
    </section>
  );
}

/** Which type to follow; it goes into the URL (`#/changes?type=org`). */
function TypeForm({ groupType }: { groupType: string | undefined }) {
  const [text, setText] = useState(groupType ?? '');
  // Back, Forward or a link changed the type: the box follows.
  useEffect(() => setText(groupType ?? ''), [groupType]);
  const submit = (event: Event) => {
    event.preventDefault();
    navigate(hrefOf(changesRoute(text)));
  };
  return (
    <form class="toolbar" role="search" aria-label="Which changes" onSubmit={submit}>
      <label>
        Group type
        <input
          name="group_type"
          placeholder="all types"
          spellcheck={false}
          value={text}
          onInput={(e) => setText(e.currentTarget.value)}
        />
      </label>
      <button type="submit">Show</button>
    </form>
  );
}

function LiveChanges({ api, groupType }: Props) {
  const feed = useChangeFeed(api, groupType);
  const [since] = useState(() => new Date().toISOString());
  const { state } = feed.status;
  const stopped = feed.status.state === 'stopped' ? feed.status.reason : undefined;
  return (
    <>
      <div class="feed-bar">
        <p class="feed-status" role="status" data-state={state}>
          {statusText(feed.status, groupType)}
        </p>
        <button
          type="button"
          onClick={state === 'paused' || state === 'stopped' ? feed.resume : feed.pause}
        >
          {state === 'paused' ? 'Resume' : state === 'stopped' ? 'Try again' : 'Pause'}
        </button>
      </div>
      <ErrorMessage error={stopped === undefined ? undefined : new Error(stopped)} />
      <p class="summary" data-testid="changes-summary">
        <Summary list={feed.list} since={since} />
      </p>
      {feed.list.items.length > 0 && (
        <ol class="change-list" aria-label="Changes, newest first">
          {feed.list.items.map((arrived) => (
            <li key={arrived.change.cursor}>
              <ChangeEntry {...arrived} />
            </li>
          ))}
        </ol>
      )}
    </>
  );
}

function statusText(status: ShownStatus, groupType: string | undefined): string {
  const which = groupType === undefined ? 'of every type' : `of type “${groupType}”`;
  switch (status.state) {
    case 'connecting':
      return 'Connecting…';
    case 'connected':
      return `Connected: changes ${which} appear at the top as they are applied.`;
    case 'reconnecting':
      return (
        `Reconnecting in ${formatCount(Math.ceil(status.retryInMs / 1000))} s: ${status.reason}. ` +
        'It resumes after the last change received.'
      );
    case 'paused':
      return 'Paused: nothing is read until Resume, which picks up after the last change received.';
    case 'stopped':
      return 'Stopped: the server refused the stream.';
  }
}

function Summary({ list, since }: { list: ChangeList; since: string }) {
  const kept = ` This page keeps the latest ${formatCount(KEPT)}.`;
  const erased =
    list.erased === 0
      ? ''
      : ` ${formatCount(list.erased)} of them ${list.erased === 1 ? 'was' : 'were'} taken off with their group’s deletion.`;
  if (list.received === 0)
    return (
      <>
        No changes since <TimeStamp iso={since} />.{kept}
      </>
    );
  if (list.received - list.erased <= KEPT)
    return (
      <>
        {formatCount(list.received)} change{list.received === 1 ? '' : 's'} since{' '}
        <TimeStamp iso={since} />, newest first.{erased}
        {kept}
      </>
    );
  return (
    <>
      The latest {formatCount(list.items.length)} of {formatCount(list.received)} changes since{' '}
      <TimeStamp iso={since} />, newest first: this page keeps no more.{erased}
    </>
  );
}
