import type { Json, JsonObject } from '../api/types';

/** How one property differs between two states of a group. */
export type PropertyDifference =
  | { name: string; kind: 'added'; to: Json }
  | { name: string; kind: 'removed'; from: Json }
  | { name: string; kind: 'changed'; from: Json; to: Json };

/**
 * The properties that differ from `before` to `after`, by name. Values are compared by content
 * (object key order aside), as the service compares them when it records a change.
 */
export function diffProperties(before: JsonObject, after: JsonObject): PropertyDifference[] {
  const names = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort(byCodePoint);
  const differences: PropertyDifference[] = [];
  for (const name of names) {
    const from = Object.hasOwn(before, name) ? before[name] : undefined;
    const to = Object.hasOwn(after, name) ? after[name] : undefined;
    if (from === undefined && to !== undefined) differences.push({ name, kind: 'added', to });
    else if (from !== undefined && to === undefined)
      differences.push({ name, kind: 'removed', from });
    else if (from !== undefined && to !== undefined && !sameJson(from, to))
      differences.push({ name, kind: 'changed', from, to });
  }
  return differences;
}

function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function sameJson(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b))
    return (
      Array.isArray(a) &&
      Array.isArray(b) &&
      a.length === b.length &&
      a.every((item, i) => sameJson(item, b[i] ?? null))
    );
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  const keys = Object.keys(a);
  return (
    keys.length === Object.keys(b).length &&
    keys.every((k) => Object.hasOwn(b, k) && sameJson(a[k] ?? null, b[k] ?? null))
  );
}
