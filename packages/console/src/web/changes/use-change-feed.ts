import { useEffect, useRef, useState } from 'preact/hooks';
import { EMPTY_LIST, addChanges, type ChangeList } from './change-list';
import { followChanges, type ChangeSource, type FeedStatus } from './follow-changes';

/** The connection's state as the screen says it: the follower's, or paused by the viewer. */
export type ShownStatus = FeedStatus | { state: 'paused' };

export interface ChangeFeed {
  list: ChangeList;
  status: ShownStatus;
  /** Closes the stream; nothing is read until {@link ChangeFeed.resume}. */
  pause: () => void;
  /** After a pause or a stop: opens the stream again after the last change received. */
  resume: () => void;
}

/**
 * Follows the change feed from now while the screen is open (leaving it closes the stream),
 * keeping the latest changes. Pausing closes the stream; resuming opens it after the last
 * change received, so that the changes applied meanwhile come then, once each. The caller keys
 * the screen by group type: another type starts again from now with an empty list.
 */
export function useChangeFeed(source: ChangeSource, groupType: string | undefined): ChangeFeed {
  const [list, setList] = useState(EMPTY_LIST);
  const [status, setStatus] = useState<FeedStatus>({ state: 'connecting' });
  const [paused, setPaused] = useState(false);
  // A new try after a stop: the same cursor, a new follower.
  const [tries, setTries] = useState(0);
  /** Where to resume: after the last change received, or "now" as first found. */
  const cursor = useRef<string | undefined>(undefined);

  useEffect(() => {
    if (paused) return;
    const controller = new AbortController();
    void followChanges({
      source,
      groupType,
      after: cursor.current,
      signal: controller.signal,
      onChanges: (changes, next) => {
        cursor.current = next;
        if (changes.length > 0) setList((shown) => addChanges(shown, changes));
      },
      onStatus: setStatus,
    });
    return () => controller.abort();
  }, [source, groupType, paused, tries]);

  return {
    list,
    status: paused ? { state: 'paused' } : status,
    pause: () => setPaused(true),
    resume: () => {
      setStatus({ state: 'connecting' });
      if (paused) setPaused(false);
      else setTries((n) => n + 1);
    },
  };
}
