import { useMemo, useState } from 'preact/hooks';
import { AdminApi } from '../api/admin-api';
import { ErrorMessage } from '../components/error-message';
import { loadAdminToken, saveAdminToken } from '../session/tab-storage';
import { DeadLettersPanel } from './dead-letters-panel';
import { PartitionsPanel } from './partitions-panel';

/**
 * The pipeline, for operators: only with the server's `ADMIN_TOKEN`, which is kept for this tab
 * like the project keys. Without one on the server, the token form says so.
 */
export function OperatorView() {
  const [token, setToken] = useState(loadAdminToken);
  const keep = (next: string | undefined) => {
    saveAdminToken(next);
    setToken(next);
  };
  return (
    <section aria-labelledby="operator-title">
      <div class="title-row">
        <h1 id="operator-title" tabIndex={-1}>
          Operator
        </h1>
        {token !== undefined && (
          <div class="actions">
            <button type="button" onClick={() => keep(undefined)}>
              Forget the admin token
            </button>
          </div>
        )}
      </div>
      {token === undefined ? <TokenForm onToken={keep} /> : <OperatorPanels token={token} />}
    </section>
  );
}

function OperatorPanels({ token }: { token: string }) {
  const api = useMemo(() => new AdminApi(token), [token]);
  // The live list of changes (GET /api/changes/stream) is a view of its own (changes/), not an
  // operator panel: it needs the project's keys, not this token.
  return (
    <>
      <PartitionsPanel api={api} />
      <DeadLettersPanel api={api} />
    </>
  );
}

function TokenForm({ onToken }: { onToken: (token: string) => void }) {
  const [text, setText] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    const token = text.trim();
    setBusy(true);
    setError(undefined);
    try {
      await new AdminApi(token).partitions();
      onToken(token);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="panel sign-in">
      <p class="hint">
        The operator view shows the partitions’ backlog and the dead letters of every project. It
        needs the <code>ADMIN_TOKEN</code> ingest was started with, sent as a Bearer token and kept
        for this tab only.
      </p>
      <form onSubmit={(e) => void submit(e)}>
        <label>
          Admin token
          <input
            name="admin_token"
            type="password"
            autoComplete="off"
            required
            value={text}
            onInput={(e) => setText(e.currentTarget.value)}
          />
        </label>
        <button type="submit" disabled={busy}>
          {busy ? 'Checking…' : 'Open the operator view'}
        </button>
      </form>
      <ErrorMessage error={error} />
    </div>
  );
}
