import { pollUntil } from './services.js';

/**
 * Now (ms since the epoch), returned once the clock has moved past it, so that whatever the test
 * does next is accepted strictly later: an instant that separates two identifications for `as_of`.
 */
export async function instantPassed(): Promise<number> {
  const at = Date.now();
  await pollUntil(() => Promise.resolve(Date.now() > at ? true : undefined), {
    timeoutMs: 1000,
    description: 'the clock moving',
  });
  return at;
}
