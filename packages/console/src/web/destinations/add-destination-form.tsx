import { useState } from 'preact/hooks';
import { ApiError } from '../api/api-error';
import type { CreatedDestination, NewDestination } from '../api/destination-types';
import type { DestinationsApi } from '../api/destinations-api';
import { ErrorMessage } from '../components/error-message';

type Field = 'url' | 'group_type' | 'description';
const FIELDS: readonly string[] = ['url', 'group_type', 'description'] satisfies Field[];

/** A refusal the server tied to one field (`400 {error, field, reason}`). */
interface FieldRefusal {
  field: Field;
  text: string;
}

interface Props {
  api: DestinationsApi;
  onCreated: (destination: CreatedDestination) => void;
}

/**
 * Adds a destination (`POST /api/destinations`). The server judges the URL (http or https, a
 * public address unless ingest allows private ones): what it refuses is said beside the field it
 * names, and the form keeps what was typed.
 */
export function AddDestinationForm({ api, onCreated }: Props) {
  const [values, setValues] = useState<Record<Field, string>>({
    url: '',
    group_type: '',
    description: '',
  });
  const [busy, setBusy] = useState(false);
  const [refusal, setRefusal] = useState<FieldRefusal>();
  const [error, setError] = useState<unknown>();

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setRefusal(undefined);
    setError(undefined);
    try {
      onCreated(await api.create(requestOf(values)));
      setValues({ url: '', group_type: '', description: '' });
    } catch (failure) {
      const onField = refusalOf(failure);
      if (onField === undefined) setError(failure);
      else setRefusal(onField);
    } finally {
      setBusy(false);
    }
  };

  const input = (field: Field, label: string, hint: string, required = false) => {
    const refused = refusal?.field === field;
    const errorId = `destination-${field}-error`;
    const hintId = `destination-${field}-hint`;
    return (
      <div class="form-field">
        <label>
          {label}
          <input
            name={field}
            required={required}
            spellcheck={false}
            autoComplete="off"
            value={values[field]}
            aria-invalid={refused ? true : undefined}
            aria-describedby={refused ? `${errorId} ${hintId}` : hintId}
            onInput={(e) => setValues({ ...values, [field]: e.currentTarget.value })}
          />
        </label>
        {refused && (
          <p id={errorId} class="error field-error" role="alert">
            {refusal.text}
          </p>
        )}
        <p id={hintId} class="hint field-hint">
          {hint}
        </p>
      </div>
    );
  };

  return (
    <section class="panel" aria-labelledby="add-destination-title">
      <h2 id="add-destination-title">Add a destination</h2>
      <form class="add-destination" onSubmit={(e) => void submit(e)}>
        {input(
          'url',
          'URL',
          'http or https; the host must resolve to public addresses only, unless ingest runs with DESTINATIONS_ALLOW_PRIVATE=true.',
          true,
        )}
        {input(
          'group_type',
          'Group type (optional)',
          'Only changes of groups of this type; empty for every type.',
        )}
        {input('description', 'Description (optional)', 'A note for people: what receives these.')}
        <div>
          <button type="submit" disabled={busy}>
            {busy ? 'Adding…' : 'Add destination'}
          </button>
        </div>
      </form>
      <ErrorMessage error={error} />
    </section>
  );
}

function requestOf(values: Record<Field, string>): NewDestination {
  const groupType = values.group_type.trim();
  const description = values.description.trim();
  return {
    url: values.url.trim(),
    ...(groupType === '' ? {} : { group_type: groupType }),
    ...(description === '' ? {} : { description }),
  };
}

/** A 400 that names one of the form's fields, in words; undefined for anything else. */
function refusalOf(failure: unknown): FieldRefusal | undefined {
  if (!(failure instanceof ApiError) || failure.status !== 400) return undefined;
  const { field, reason } = failure.detail;
  if (field === undefined || !FIELDS.includes(field)) return undefined;
  return {
    field: field as Field,
    text: reason === undefined ? failure.message : `Refused: ${reason}`,
  };
}
