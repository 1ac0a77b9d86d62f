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
  let left = names.length;
  for (let start = 0; start <= body.length && left > 0;) {
    let end = body.indexOf('&', start);
    if (end === -1) end = body.length;
    if (end > start) {
      const eq = body.indexOf('=', start);
      const keyEnd = eq === -1 || eq > end ? end : eq;
      const key = decodeComponent(body.slice(start, keyEnd)) as K;
      if (names.includes(key) && found[key] === undefined) {
        found[key] = keyEnd === end ? '' : decodeComponent(body.slice(keyEnd + 1, end));
        left--;
      }
    }
    start = end + 1;
  }
  return found;
}

// URLSearchParams decodes only a string holding at least one well-formed escape; Node's lenient
// fallback decoder would otherwise turn some malformed ones (`%2 `) into U+FFFD.
const ESCAPE = /%[0-9A-Fa-f]{2}/;

function decodeComponent(raw: string): string {
  const spaced = raw.includes('+') ? raw.replaceAll('+', ' ') : raw;
  return ESCAPE.test(spaced) ? qsUnescape(spaced) : spaced;
}
