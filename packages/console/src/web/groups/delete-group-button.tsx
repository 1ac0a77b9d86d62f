import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { ApiError, messageOf } from '../api/api-error';
import type { ReadApi } from '../api/read-api';
import { ErrorMessage } from '../components/error-message';
import { groupsRoute, hrefOf } from '../routing/route';
import { waitUntilGone } from './wait-until-gone';

/** How long the worker gets to apply a deletion before the page stops waiting and says so. */
const DEADLINE_MS = 30_000;
const CHECK_EVERY_MS = 500;

type Phase =
  | { step: 'idle' }
  | { step: 'confirming' }
  | { step: 'sending' }
  | { step: 'refused'; error: unknown }
  | { step: 'queued' }
  | { step: 'deleted' }
  | { step: 'still-there'; lastError: unknown };

interface Props {
  api: ReadApi;
  groupType: string;
  groupValue: string;
  /** Called once the group is gone: the read API answers 404 for it. */
  onDeleted: () => void;
}

/**
 * Deletes the group (`DELETE /api/groups/{type}/{value}`) after an inline confirmation. The
 * server only queues the erasure (`202`): "Deleted" is said once reading the group answers 404,
 * which the page checks every half second for up to 30 s; past that it says the deletion is
 * still queued, never that it is done.
 */
export function DeleteGroupButton({ api, groupType, groupValue, onDeleted }: Props) {
  const [phase, setPhase] = useState<Phase>({ step: 'idle' });
  const wait = useRef<AbortController | null>(null);
  useEffect(() => () => wait.current?.abort(), []);

  // Focus follows the question: to Cancel when it is asked, back to the button after a Cancel or
  // a refusal.
  const cancelButton = useRef<HTMLButtonElement>(null);
  const deleteButton = useRef<HTMLButtonElement>(null);
  const asked = useRef(false);
  useLayoutEffect(() => {
    if (phase.step === 'confirming') {
      asked.current = true;
      cancelButton.current?.focus();
    } else if ((phase.step === 'idle' || phase.step === 'refused') && asked.current) {
      asked.current = false;
      deleteButton.current?.focus();
    }
  }, [phase.step]);

  const waitForWorker = async (controller: AbortController) => {
    setPhase({ step: 'queued' });
    const outcome = await waitUntilGone(
      () => api.group(groupType, groupValue),
      (error) => error instanceof ApiError && error.status === 404,
      { timeoutMs: DEADLINE_MS, intervalMs: CHECK_EVERY_MS, signal: controller.signal },
    );
    if (outcome.status === 'aborted') return;
    if (outcome.status === 'gone') {
      setPhase({ step: 'deleted' });
      onDeleted();
    } else setPhase({ step: 'still-there', lastError: outcome.lastError });
  };

  const start = () => {
    wait.current?.abort();
    const controller = new AbortController();
    wait.current = controller;
    return controller;
  };

  const remove = async () => {
    const controller = start();
    setPhase({ step: 'sending' });
    try {
      await api.deleteGroup(groupType, groupValue);
    } catch (error) {
      if (!controller.signal.aborted) setPhase({ step: 'refused', error });
      return;
    }
    if (!controller.signal.aborted) await waitForWorker(controller);
  };

  switch (phase.step) {
    case 'idle':
    case 'refused':
      return (
        <>
          <button
            type="button"
            class="danger"
            ref={deleteButton}
            onClick={() => setPhase({ step: 'confirming' })}
          >
            Delete group…
          </button>
          <ErrorMessage error={phase.step === 'refused' ? phase.error : undefined} />
        </>
      );
    case 'confirming':
    case 'sending':
      return (
        <div class="confirm" role="group" aria-label="Confirm the deletion">
          <span>
            Really delete {groupType} “{groupValue}”? Its properties and history are erased.
          </span>
          <button
            type="button"
            class="danger"
            disabled={phase.step === 'sending'}
            onClick={() => void remove()}
          >
            Delete
          </button>
          <button
            type="button"
            ref={cancelButton}
            disabled={phase.step === 'sending'}
            onClick={() => setPhase({ step: 'idle' })}
          >
            Cancel
          </button>
        </div>
      );
    case 'queued':
      return (
        <p class="outcome" role="status" data-testid="deletion">
          Deletion queued: waiting for the worker to apply it…
        </p>
      );
    case 'deleted':
      return (
        <p class="outcome" role="status" data-testid="deletion">
          Deleted.{' '}
          <a href={hrefOf(groupsRoute(groupType))}>Back to the groups of type “{groupType}”</a>
        </p>
      );
    case 'still-there':
      return (
        <div class="error" role="alert" data-testid="deletion">
          <p>
            Deletion queued, but the group could still be read after {DEADLINE_MS / 1000} s: the
            worker has not applied it yet (the Operator screen shows the partitions’ backlog).
            {phase.lastError === undefined ? '' : ` Last check: ${messageOf(phase.lastError)}`}
          </p>
          <button type="button" onClick={() => void waitForWorker(start())}>
            Check again
          </button>
        </div>
      );
  }
}
