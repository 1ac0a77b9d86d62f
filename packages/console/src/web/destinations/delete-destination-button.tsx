import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { DestinationsApi } from '../api/destinations-api';
import { ErrorMessage } from '../components/error-message';

type Phase = 'idle' | 'confirming' | 'sending';

interface Props {
  api: DestinationsApi;
  id: string;
  url: string;
  onDeleted: () => void;
}

/**
 * Deletes the destination (`DELETE /api/destinations/{id}`) after an inline confirmation, as the
 * group page's deletion asks: focus goes to Cancel, and Cancel sends nothing.
 */
export function DeleteDestinationButton({ api, id, url, onDeleted }: Props) {
  const [phase, setPhase] = useState<Phase>('idle');
  const [error, setError] = useState<unknown>();
  const cancelButton = useRef<HTMLButtonElement>(null);
  const deleteButton = useRef<HTMLButtonElement>(null);
  const asked = useRef(false);
  useLayoutEffect(() => {
    if (phase === 'confirming') {
      asked.current = true;
      cancelButton.current?.focus();
    } else if (phase === 'idle' && asked.current) {
      asked.current = false;
      deleteButton.current?.focus();
    }
  }, [phase]);

  const remove = async () => {
    setPhase('sending');
    setError(undefined);
    try {
      await api.remove(id);
    } catch (failure) {
      setError(failure);
      setPhase('idle');
      return;
    }
    onDeleted();
  };

  if (phase === 'idle')
    return (
      <>
        <button
          type="button"
          class="danger"
          ref={deleteButton}
          onClick={() => setPhase('confirming')}
        >
          Delete destination…
        </button>
        <ErrorMessage error={error} />
      </>
    );
  return (
    <div class="confirm" role="group" aria-label="Confirm the deletion">
      <span>
        Really delete the destination {url}? Nothing more is sent to it, and its delivery state is
        erased.
      </span>
      <button
        type="button"
        class="danger"
        disabled={phase === 'sending'}
        onClick={() => void remove()}
      >
        Delete
      </button>
      <button
        type="button"
        ref={cancelButton}
        disabled={phase === 'sending'}
        onClick={() => setPhase('idle')}
      >
        Cancel
      </button>
    </div>
  );
}
