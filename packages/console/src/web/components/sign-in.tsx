import { useState } from 'preact/hooks';
import { ReadApi, type ProjectKeys } from '../api/read-api';
import { ErrorMessage } from './error-message';

/**
 * A project's api_key and secret_key, checked against the read API before they are kept (a list
 * of one group): wrong keys get the server's 401 in words, not a blank page later.
 */
export function SignIn({ onSignedIn }: { onSignedIn: (keys: ProjectKeys) => void }) {
  const [apiKey, setApiKey] = useState('');
  const [secretKey, setSecretKey] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    const keys = { apiKey: apiKey.trim(), secretKey: secretKey.trim() };
    setBusy(true);
    setError(undefined);
    try {
      await new ReadApi(keys).listGroups(
        { groupType: undefined, where: undefined, limit: 1 },
        undefined,
      );
      onSignedIn(keys);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="panel sign-in" aria-labelledby="sign-in-title">
      <h1 id="sign-in-title" tabIndex={-1}>
        Sign in to a project
      </h1>
      <p class="hint">
        The keys are sent as HTTP Basic auth to this server’s read API and kept for this tab only
        (until it is closed or you sign out).
      </p>
      <form onSubmit={(e) => void submit(e)}>
        <label>
          api_key
          <input
            name="api_key"
            autoComplete="username"
            spellcheck={false}
            required
            value={apiKey}
            onInput={(e) => setApiKey(e.currentTarget.value)}
          />
        </label>
        <label>
          secret_key
          <input
            name="secret_key"
            type="password"
            autoComplete="current-password"
            required
            value={secretKey}
            onInput={(e) => setSecretKey(e.currentTarget.value)}
          />
        </label>
        <button type="submit" disabled={busy}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
      </form>
      <ErrorMessage error={error} />
    </section>
  );
}
