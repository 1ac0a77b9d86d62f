import { useEffect, useState } from 'preact/hooks';

export type AsyncState<T> =
  { status: 'loading' } | { status: 'done'; value: T } | { status: 'failed'; error: unknown };

const LOADING = { status: 'loading' } as const;

/**
 * The result of `load`, run again whenever `inputs` change. Until the new answer arrives the
 * state is loading: an answer for the previous inputs is never shown next to the new ones, and
 * one that arrives after the inputs moved on (a slow page, then a click) is dropped.
 */
export function useAsync<T>(load: () => Promise<T>, inputs: readonly unknown[]): AsyncState<T> {
  const [answer, setAnswer] = useState<{ inputs: readonly unknown[]; state: AsyncState<T> }>();
  useEffect(() => {
    let current = true;
    load().then(
      (value) => current && setAnswer({ inputs, state: { status: 'done', value } }),
      (error: unknown) => current && setAnswer({ inputs, state: { status: 'failed', error } }),
    );
    return () => {
      current = false;
    };
  }, inputs);
  return answer !== undefined && sameInputs(answer.inputs, inputs) ? answer.state : LOADING;
}

function sameInputs(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((x, i) => Object.is(x, b[i]));
}
