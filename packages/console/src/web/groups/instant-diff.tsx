import { useState } from 'preact/hooks';
import { ApiError } from '../api/api-error';
import type { ReadApi } from '../api/read-api';
import type { JsonObject } from '../api/types';
import { ErrorMessage } from '../components/error-message';
import { TimeStamp } from '../components/time-stamp';
import { ValueText } from '../components/value-text';
import { fromLocalInput, toLocalInput } from '../format/instants';
import { useAsync } from '../hooks/use-async';
import { InstantInput } from './instant-input';
import { diffProperties, type PropertyDifference } from './property-diff';

interface Props {
  api: ReadApi;
  groupType: string;
  groupValue: string;
  /** Where "From" starts: the group's creation. */
  createdAt: string;
}

/** What changed in the properties between two instants: both read with `as_of`, then compared. */
export function InstantDiff({ api, groupType, groupValue, createdAt }: Props) {
  const [fromText, setFromText] = useState(toLocalInput(new Date(createdAt)));
  const [toText, setToText] = useState(toLocalInput(new Date()));
  const [asked, setAsked] = useState<{ from: string; to: string }>();
  const [invalid, setInvalid] = useState(false);

  const submit = (event: Event) => {
    event.preventDefault();
    const from = fromLocalInput(fromText);
    const to = fromLocalInput(toText);
    setInvalid(from === undefined || to === undefined);
    if (from !== undefined && to !== undefined) setAsked({ from, to });
  };

  return (
    <section class="panel" aria-labelledby="diff-title">
      <h2 id="diff-title">Compare two instants</h2>
      <form class="toolbar" onSubmit={submit}>
        <InstantInput name="diff_from" label="From" value={fromText} onInput={setFromText} />
        <InstantInput name="diff_to" label="To" value={toText} onInput={setToText} />
        <button type="submit">Compare</button>
      </form>
      {invalid && (
        <p class="error" role="alert">
          Pick a date and a time for both.
        </p>
      )}
      {asked !== undefined && (
        <DiffResult api={api} groupType={groupType} groupValue={groupValue} {...asked} />
      )}
    </section>
  );
}

interface ResultProps {
  api: ReadApi;
  groupType: string;
  groupValue: string;
  from: string;
  to: string;
}

function DiffResult({ api, groupType, groupValue, from, to }: ResultProps) {
  const state = useAsync(async () => {
    const [before, after] = await Promise.all([
      propertiesAt(api, groupType, groupValue, from),
      propertiesAt(api, groupType, groupValue, to),
    ]);
    return diffProperties(before, after);
  }, [api, groupType, groupValue, from, to]);
  return (
    <div aria-live="polite">
      <p>
        From <TimeStamp iso={from} /> to <TimeStamp iso={to} />:
      </p>
      {state.status === 'loading' && <p class="summary">Loading…</p>}
      {state.status === 'failed' && <ErrorMessage error={state.error} />}
      {state.status === 'done' && <DiffTable differences={state.value} />}
    </div>
  );
}

/** Before the group's first identification it had no properties (the API answers 404). */
async function propertiesAt(
  api: ReadApi,
  groupType: string,
  groupValue: string,
  iso: string,
): Promise<JsonObject> {
  try {
    return (await api.group(groupType, groupValue, iso)).properties;
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return {};
    throw error;
  }
}

const KIND_TEXT = { added: 'added', removed: 'removed', changed: 'changed' } as const;

function DiffTable({ differences }: { differences: PropertyDifference[] }) {
  if (differences.length === 0) return <p class="summary">No property differs.</p>;
  return (
    <div class="table-scroll">
      <table class="diff">
        <thead>
          <tr>
            <th scope="col">Property</th>
            <th scope="col">Change</th>
            <th scope="col">From</th>
            <th scope="col">To</th>
          </tr>
        </thead>
        <tbody>
          {differences.map((d) => (
            <tr key={d.name} class={`diff-${d.kind}`}>
              <th scope="row">{d.name}</th>
              <td>{KIND_TEXT[d.kind]}</td>
              <td>{d.kind === 'added' ? <em>absent</em> : <ValueText value={d.from} />}</td>
              <td>{d.kind === 'removed' ? <em>absent</em> : <ValueText value={d.to} />}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
