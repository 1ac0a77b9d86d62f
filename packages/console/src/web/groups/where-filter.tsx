const EXAMPLE = '{"plan":"pro","seats":{"$gte":10}}';

interface Props {
  text: string;
  onText: (text: string) => void;
  /** Why the server refused the filter in the URL (`400 Invalid where`), if it did. */
  reason: string | undefined;
}

/**
 * The `where` of `GET /api/groups`: a JSON object of property names to a value (equal, or an
 * element of an array property) or to operators (`$eq $ne $gt $gte $lt $lte $in $nin $exists`).
 * The server checks it; what it refuses is said here, beside the input.
 */
export function WhereFilter({ text, onText, reason }: Props) {
  return (
    <>
      <label class="where-filter">
        Where (JSON)
        <input
          name="where"
          placeholder={EXAMPLE}
          spellcheck={false}
          autoComplete="off"
          value={text}
          aria-invalid={reason === undefined ? undefined : true}
          aria-describedby={reason === undefined ? 'where-help' : 'where-error where-help'}
          onInput={(e) => onText(e.currentTarget.value)}
        />
      </label>
      {reason !== undefined && (
        <p id="where-error" class="error where-error" role="alert">
          Invalid where: {reason}
        </p>
      )}
      <p id="where-help" class="hint where-help">
        Property names to a value, or to operators: <code>$eq $ne $gt $gte $lt $lte</code>{' '}
        <code>$in $nin $exists</code>. An array property matches a value it holds.
      </p>
    </>
  );
}
