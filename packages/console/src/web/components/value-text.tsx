import type { Json } from '../api/types';
import { jsonPreview } from '../format/json-text';

/** A property value on one line, as JSON; the whole of a long one on hover. */
export function ValueText({ value }: { value: Json }) {
  return (
    <code class="value" title={JSON.stringify(value)}>
      {jsonPreview(value)}
    </code>
  );
}
