/**
 * Text the service keeps (group types and values, property names, string values at any depth,
 * `insert_id`) must be valid Unicode without U+0000 (docs/api.md#identification-object). A NUL
 * cannot be kept by every store the service runs on: PostgreSQL under FerretDB refuses it
 * anywhere, MongoDB in a field name; accepted, it was refused by the store after the `200`. A
 * lone UTF-16 surrogate (`"\ud800"`, which JSON allows) is not a character: stored as UTF-8 it
 * became U+FFFD, so the group or property it named could no longer be found, read or erased as
 * sent.
 */
export const NUL_REASON = 'contains U+0000 (NUL), which cannot be stored';
export const LONE_SURROGATE_REASON = 'contains a lone UTF-16 surrogate (not valid Unicode)';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why `text` cannot be kept as sent, or undefined when it can. */
export function textProblem(text: string): string | undefined {
  if (text.includes('\u0000')) return NUL_REASON;
  if (LONE_SURROGATE.test(text)) return LONE_SURROGATE_REASON;
  return undefined;
}
