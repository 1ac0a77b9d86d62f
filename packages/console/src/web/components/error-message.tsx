import { messageOf } from '../api/api-error';

/** A failed request, said in words, announced by screen readers as it appears. */
export function ErrorMessage({ error }: { error: unknown }) {
  if (error === undefined) return null;
  return (
    <p class="error" role="alert">
      {messageOf(error)}
    </p>
  );
}
