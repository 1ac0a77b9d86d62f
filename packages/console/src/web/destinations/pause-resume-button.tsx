import { useState } from 'preact/hooks';
import type { DestinationDetail } from '../api/destination-types';
import type { DestinationsApi } from '../api/destinations-api';
import { ErrorMessage } from '../components/error-message';

interface Props {
  api: DestinationsApi;
  detail: DestinationDetail;
  onChanged: (detail: DestinationDetail) => void;
}

/**
 * Pause (an active destination) or Resume (a paused or failing one: it is tried again at once),
 * through `PATCH /api/destinations/{id}`.
 */
export function PauseResumeButton({ api, detail, onChanged }: Props) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const next = detail.status === 'active' ? 'paused' : 'active';

  const change = async () => {
    setBusy(true);
    setError(undefined);
    try {
      onChanged(await api.setStatus(detail.id, next));
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <button type="button" disabled={busy} onClick={() => void change()}>
        {next === 'paused' ? 'Pause' : 'Resume'}
      </button>
      <ErrorMessage error={error} />
    </>
  );
}
