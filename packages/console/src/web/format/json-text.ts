import type { Json } from '../api/types';

/** A value on one line, cut at `max` characters (the whole of it goes in a title). */
export function jsonPreview(value: Json, max = 120): string {
  const text = JSON.stringify(value);
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
