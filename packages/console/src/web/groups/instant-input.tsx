interface Props {
  name: string;
  label: string;
  /** A datetime-local value: local time, to the millisecond. */
  value: string;
  onInput: (value: string) => void;
}

const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;

/**
 * A date and time in the viewer's time zone, to the millisecond: identifications of one second
 * are told apart (the API's `as_of` compares with when ingest accepted each one, in ms).
 */
export function InstantInput({ name, label, value, onInput }: Props) {
  return (
    <label>
      {label} <span class="hint">({zone})</span>
      <input
        type="datetime-local"
        step="0.001"
        name={name}
        value={value}
        onInput={(e) => onInput(e.currentTarget.value)}
      />
    </label>
  );
}
