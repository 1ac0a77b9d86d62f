import { unescape as qsUnescape } from 'node:querystring';

/**
 * The first value of each of `names` in an `application/x-www-form-urlencoded` body, decoded
 * exactly as `URLSearchParams` decodes it (`+` is a space, then percent-decoding, lenient about
 * malformed `%` sequences, via the same `querystring.unescape`; form-params.test.ts holds the two
 * together). Written out because
 * `URLSearchParams` walks the whole body character by character in JavaScript: it was the largest
 * entry of ingest's CPU profile under 100-identification requests (BENCHMARKS.md), while this
 * splits and decodes with native string functions.
 */
export function formParams<K extends string>(
  body: string,
  names: readonly K[],
): Partial<Record<K, string>> {
  const found: Partial<Record<K, string>> = {};
  const text = body.startsWith('?') ? body.slice(1) : body; // as URLSearchParams does
  let left = names.length;
  // The next '=' at or after `start`, kept across pairs so that pairs without one do not rescan
  // the rest of the body (which made a 1 MB body of `a&a&…` quadratic).
  let nextEq = -2;
  for (let start = 0; start <= text.length && left > 0;) {
    let end = text.indexOf('&', start);
    if (end === -1) end = text.length;
    if (end > start) {
      if (nextEq !== -1 && nextEq < start) nextEq = text.indexOf('=', start);
      const keyEnd = nextEq === -1 || nextEq > end ? end : nextEq;
      const key = decodeComponent(text.slice(start, keyEnd)) as K;
      if (names.includes(key) && found[key] === undefined) {
        found[key] = keyEnd === end ? '' : decodeComponent(text.slice(keyEnd + 1, end));
        left--;
      }
    }
    start = end + 1;
  }
  return found;
}

// URLSearchParams decodes only a component in which it saw a well-formed escape, and a `+` between
// the `%` and its digits does not stop it from counting (`%4+1` counts); Node's lenient fallback
// decoder would otherwise turn some malformed escapes (`%2 `) into U+FFFD.
const ESCAPE = /%[0-9A-Fa-f]{2}/;

function decodeComponent(raw: string): string {
  if (!raw.includes('+')) return ESCAPE.test(raw) ? qsUnescape(raw) : raw;
  const spaced = raw.replaceAll('+', ' ');
  return ESCAPE.test(raw.replaceAll('+', '')) ? qsUnescape(spaced) : spaced;
}
