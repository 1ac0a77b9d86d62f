import { useEffect, useState } from 'preact/hooks';
import type { AdminApi } from '../api/admin-api';
import type { DeadLetter, ReplayResult } from '../api/types';
import { ErrorMessage } from '../components/error-message';
import { JsonTree } from '../components/json-tree';
import { TimeStamp } from '../components/time-stamp';
import { formatCount } from '../format/numbers';
import { hrefOf } from '../routing/route';

/** Letters a page shows at a time. */
const PAGE = 100;

interface Loaded {
  letters: DeadLetter[];
  /** Where the next page starts; null once every letter is shown. */
  next: string | null;
}

/**
 * Identifications that could not be applied, with their reasons, a page at a time, and their
 * replay (the CLI's `dead-letters list` and `replay`): one letter, or every letter not replayed
 * yet (those on later pages too).
 */
export function DeadLettersPanel({ api }: { api: AdminApi }) {
  const [loaded, setLoaded] = useState<Loaded>();
  const [error, setError] = useState<unknown>();
  const [outcome, setOutcome] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState(false);

  /** Pages after `cursor` added to `before`, until `atLeast` letters are there or none are left. */
  const load = async (cursor: string | undefined, before: DeadLetter[], atLeast: number) => {
    setBusy(true); // a second click on Load more would add the same page twice
    try {
      let next: Loaded = { letters: before, next: cursor ?? null };
      do {
        const page = await api.deadLetters(PAGE, next.next ?? undefined);
        next = { letters: [...next.letters, ...page.items], next: page.next_cursor };
      } while (next.letters.length < atLeast && next.next !== null);
      setLoaded(next);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  // Read again from the first page, as many letters as were shown (a replayed one stays in view).
  const refresh = () => load(undefined, [], loaded?.letters.length ?? PAGE);
  useEffect(() => void load(undefined, [], PAGE), [api]);

  const replay = async (run: () => Promise<ReplayResult>) => {
    setBusy(true);
    setError(undefined);
    setOutcome(undefined);
    setConfirming(false);
    try {
      setOutcome(describeReplay(await run()));
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
      await refresh();
    }
  };

  const letters = loaded?.letters;
  const more = loaded !== undefined && loaded.next !== null;
  const pending = (letters ?? []).filter((l) => l.replayable && l.replayed_at === null);
  return (
    <section class="panel" aria-labelledby="dead-letters-title">
      <h2 id="dead-letters-title">Dead letters</h2>
      <p class="summary" role="status">
        {loaded === undefined ? 'Loading…' : describe(loaded, pending.length)}
      </p>
      <div class="toolbar">
        {confirming ? (
          <>
            <span>
              {more
                ? 'Re-enqueue every identification not replayed yet (on later pages too)'
                : `Re-enqueue ${formatCount(pending.length)} identification${pending.length === 1 ? '' : 's'}`}
              , each at the back of its partition?
            </span>
            <button
              type="button"
              disabled={busy}
              onClick={() => void replay(() => api.replayAll())}
            >
              Yes, replay them
            </button>
            <button type="button" onClick={() => setConfirming(false)}>
              Cancel
            </button>
          </>
        ) : (
          <button
            type="button"
            disabled={busy || (pending.length === 0 && !more)}
            onClick={() => setConfirming(true)}
          >
            {/* With more pages to come, how many are not replayed yet is not known here. */}
            {more
              ? 'Replay all not replayed'
              : `Replay all not replayed (${formatCount(pending.length)})`}
          </button>
        )}
        <button type="button" disabled={busy} onClick={() => void refresh()}>
          Refresh
        </button>
      </div>
      {outcome !== undefined && (
        <p class="outcome" role="status">
          {outcome}
        </p>
      )}
      <ErrorMessage error={error} />
      {letters !== undefined && letters.length > 0 && (
        <ol class="dead-letters">
          {letters.map((letter) => (
            <li key={letter.id}>
              <LetterCard
                letter={letter}
                busy={busy}
                onReplay={() => void replay(() => api.replayOne(letter.id))}
              />
            </li>
          ))}
        </ol>
      )}
      {loaded !== undefined && loaded.next !== null && (
        <button
          type="button"
          disabled={busy}
          onClick={() => void load(loaded.next ?? undefined, loaded.letters, 0)}
        >
          Load more
        </button>
      )}
    </section>
  );
}

function describe({ letters, next }: Loaded, pending: number): string {
  const count = `${formatCount(letters.length)} dead letter${letters.length === 1 ? '' : 's'}`;
  if (next === null) return `${count} · ${formatCount(pending)} not replayed yet`;
  return `${count} shown, oldest first · ${formatCount(pending)} of them not replayed yet · more below`;
}

interface CardProps {
  letter: DeadLetter;
  busy: boolean;
  onReplay: () => void;
}

function LetterCard({ letter, busy, onReplay }: CardProps) {
  const [showItem, setShowItem] = useState(false);
  const { group } = letter;
  return (
    <article class="letter" aria-label={`Dead letter ${letter.id}`}>
      <p class="letter-reason">{letter.reason}</p>
      <dl class="facts">
        <div>
          <dt>Group</dt>
          <dd>
            {group === null ? (
              <em>unreadable job</em>
            ) : (
              <>
                <a
                  href={hrefOf({
                    view: 'group',
                    groupType: group.group_type,
                    groupValue: group.group_value,
                  })}
                >
                  {group.group_type} / {group.group_value}
                </a>{' '}
                <span class="hint">(project {group.project})</span>
              </>
            )}
          </dd>
        </div>
        <div>
          <dt>Partition</dt>
          <dd>{letter.partition}</dd>
        </div>
        <div>
          <dt>Failed</dt>
          <dd>
            <TimeStamp iso={letter.failed_at} />
          </dd>
        </div>
        <div>
          <dt>Replayed</dt>
          <dd>
            {letter.replayed_at === null ? (
              <em>not yet</em>
            ) : (
              <TimeStamp iso={letter.replayed_at} />
            )}
          </dd>
        </div>
        <div>
          <dt>id</dt>
          <dd>
            <code>{letter.id}</code>
          </dd>
        </div>
      </dl>
      <div class="entry-tools">
        <button type="button" aria-expanded={showItem} onClick={() => setShowItem(!showItem)}>
          {showItem ? 'Hide the item' : 'Show the item'}
        </button>
        <button
          type="button"
          disabled={busy || !letter.replayable}
          title={
            letter.replayable ? undefined : 'An unreadable job holds no identification to replay'
          }
          onClick={onReplay}
        >
          {letter.replayed_at === null ? 'Replay' : 'Replay again'}
        </button>
      </div>
      {showItem && <JsonTree value={letter.item} label={`Item of dead letter ${letter.id}`} />}
    </article>
  );
}

function describeReplay({ replayed, skipped }: ReplayResult): string {
  if (replayed.length === 0 && skipped.length === 0) return 'Nothing to replay.';
  const parts = replayed.map(
    (r) => `${r.id} → partition ${r.partition}${r.job === null ? '' : `, job ${r.job}`}`,
  );
  for (const s of skipped) parts.push(`${s.id} skipped: ${s.reason}`);
  return `Replayed ${formatCount(replayed.length)}, skipped ${formatCount(skipped.length)}: ${parts.join('; ')}.`;
}
