import { useEffect, useState } from 'preact/hooks';
import type { ReadApi } from '../api/read-api';
import { ErrorMessage } from '../components/error-message';
import { JsonTree } from '../components/json-tree';
import { TimeStamp } from '../components/time-stamp';
import { fromLocalInput, toLocalInput } from '../format/instants';
import { useAsync } from '../hooks/use-async';
import { InstantInput } from './instant-input';

interface Props {
  api: ReadApi;
  groupType: string;
  groupValue: string;
  /** The instant shown (ISO-8601), e.g. set from the history; undefined: none picked yet. */
  asOf: string | undefined;
  onAsOf: (iso: string) => void;
}

/** The properties in effect at a picked instant (`GET …?as_of=`). */
export function AsOfPanel({ api, groupType, groupValue, asOf, onAsOf }: Props) {
  const [text, setText] = useState(asOf === undefined ? '' : toLocalInput(new Date(asOf)));
  useEffect(() => {
    if (asOf !== undefined) setText(toLocalInput(new Date(asOf)));
  }, [asOf]);
  const [invalid, setInvalid] = useState(false);

  const submit = (event: Event) => {
    event.preventDefault();
    const iso = fromLocalInput(text);
    setInvalid(iso === undefined);
    if (iso !== undefined) onAsOf(iso);
  };

  return (
    <section class="panel" aria-labelledby="as-of-title">
      <h2 id="as-of-title" tabIndex={-1}>
        Properties at an instant
      </h2>
      <form class="toolbar" onSubmit={submit}>
        <InstantInput name="as_of" label="Instant" value={text} onInput={setText} />
        <button type="submit">Show</button>
        <button type="button" onClick={() => onAsOf(new Date().toISOString())}>
          Now
        </button>
      </form>
      {invalid && (
        <p class="error" role="alert">
          Pick a date and a time.
        </p>
      )}
      {asOf !== undefined && (
        <AsOfResult api={api} groupType={groupType} groupValue={groupValue} asOf={asOf} />
      )}
    </section>
  );
}

function AsOfResult({
  api,
  groupType,
  groupValue,
  asOf,
}: Omit<Props, 'onAsOf'> & { asOf: string }) {
  const state = useAsync(
    () => api.group(groupType, groupValue, asOf),
    [api, groupType, groupValue, asOf],
  );
  return (
    <div class="as-of-result" aria-live="polite">
      <p>
        In effect at <TimeStamp iso={asOf} />:
      </p>
      {state.status === 'loading' && <p class="summary">Loading…</p>}
      {state.status === 'failed' && <ErrorMessage error={state.error} />}
      {state.status === 'done' && (
        <JsonTree value={state.value.properties} label="Properties at the instant" />
      )}
    </div>
  );
}
