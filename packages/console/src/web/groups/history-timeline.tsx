import { useEffect, useRef, useState } from 'preact/hooks';
import type { ReadApi } from '../api/read-api';
import type { HistoryItem } from '../api/types';
import { ErrorMessage } from '../components/error-message';
import { formatCount } from '../format/numbers';
import { HistoryEntry } from './history-entry';

const PAGE = 20;

interface Props {
  api: ReadApi;
  groupType: string;
  groupValue: string;
  /** The project orders identifications by event time (`GET /api/project`). */
  byEventTime: boolean;
  /**
   * Called with an identification's `received_at` (its event time when `byEventTime`): show the
   * properties just after it.
   */
  onShowAt: (iso: string) => void;
}

interface Loaded {
  items: HistoryItem[];
  next: string | null;
}

/** Every identification applied to the group, newest first, a page at a time. */
export function HistoryTimeline({ api, groupType, groupValue, byEventTime, onShowAt }: Props) {
  const [loaded, setLoaded] = useState<Loaded>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  // Answers for a group the page has left are dropped.
  const generation = useRef(0);

  const load = async (cursor: string | undefined, before: HistoryItem[]) => {
    const mine = generation.current;
    setBusy(true);
    setError(undefined);
    try {
      const page = await api.history(groupType, groupValue, PAGE, cursor);
      if (mine === generation.current)
        setLoaded({ items: [...before, ...page.items], next: page.next_cursor });
    } catch (failure) {
      if (mine === generation.current) setError(failure);
    } finally {
      if (mine === generation.current) setBusy(false);
    }
  };

  useEffect(() => {
    generation.current += 1;
    setLoaded(undefined);
    void load(undefined, []);
  }, [api, groupType, groupValue]);

  const next = loaded?.next ?? null;
  return (
    <section class="panel" aria-labelledby="history-title">
      <h2 id="history-title">History</h2>
      <p class="summary" role="status">
        {loaded === undefined ? (busy ? 'Loading…' : '') : describe(loaded)}
      </p>
      <ErrorMessage error={error} />
      {loaded !== undefined && (
        <ol class="timeline">
          {loaded.items.map((item) => (
            <li key={item.version}>
              <HistoryEntry item={item} byEventTime={byEventTime} onShowAt={onShowAt} />
            </li>
          ))}
        </ol>
      )}
      {loaded !== undefined && next !== null && (
        <button type="button" disabled={busy} onClick={() => void load(next, loaded.items)}>
          {busy ? 'Loading…' : 'Load older'}
        </button>
      )}
    </section>
  );
}

function describe({ items, next }: Loaded): string {
  const count = `${formatCount(items.length)} identification${items.length === 1 ? '' : 's'}`;
  return `${count} shown, newest first${next === null ? '' : ' · older ones below'}`;
}
