import { useEffect, useState } from 'preact/hooks';
import type { AdminApi } from '../api/admin-api';
import type { DeadLetter, ReplayResult } from '../api/types';
import { ErrorMessage } from '../components/error-message';
import { JsonTree } from '../components/json-tree';
import { TimeStamp } from '../components/time-stamp';
import { formatCount } from '../format/numbers';
import { hrefOf } from '../routing/route';

/**
 * Identifications that could not be applied, with their reasons, and their replay (the CLI's
 * `dead-letters list` and `replay`): one letter, or every letter not replayed yet.
 */
export function DeadLettersPanel({ api }: { api: AdminApi }) {
  const [letters, setLetters] = useState<DeadLetter[]>();
  const [error, setError] = useState<unknown>();
  const [outcome, setOutcome] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState(false);

  const refresh = async () => {
    try {
      setLetters(await api.deadLetters());
    } catch (failure) {
      setError(failure);
    }
  };
  useEffect(() => void refresh(), [api]);

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

  const pending = (letters ?? []).filter((l) => l.replayable && l.replayed_at === null);
  return (
    <section class="panel" aria-labelledby="dead-letters-title">
      <h2 id="dead-letters-title">Dead letters</h2>
      <p class="summary" role="status">
        {letters === undefined
          ? 'Loading…'
          : `${formatCount(letters.length)} dead letter${letters.length === 1 ? '' : 's'} · ${formatCount(pending.length)} not replayed yet`}
      </p>
      <div class="toolbar">
        {confirming ? (
          <>
            <span>
              Re-enqueue {formatCount(pending.length)} identification
              {pending.length === 1 ? '' : 's'}, each at the back of its partition?
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
            disabled={busy || pending.length === 0}
            onClick={() => setConfirming(true)}
          >
            Replay all not replayed ({formatCount(pending.length)})
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
    </section>
  );
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
