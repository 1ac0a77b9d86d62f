/**
 * A tiny, deliberately naive model of docs/semantics.md, written independently of src/ (Maps instead of
 * objects, canonical JSON for equality) so the property tests compare two readings of the spec.
 */
type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const ORDER = [
  '$clearAll',
  '$unset',
  '$set',
  '$setOnce',
  '$add',
  '$append',
  '$prepend',
  '$preInsert',
  '$postInsert',
  '$remove',
];
const CAP = 10_000;

/** JSON with object keys sorted: equal strings ⇔ deep-equal values. */
function canonical(v: Json): string {
  if (Array.isArray(v)) return '[' + v.map(canonical).join(',') + ']';
  if (v !== null && typeof v === 'object') {
    return (
      '{' +
      Object.keys(v)
        .sort()
        .map((k) => JSON.stringify(k) + ':' + canonical(v[k] as Json))
        .join(',') +
      '}'
    );
  }
  return JSON.stringify(v === 0 ? 0 : v); // -0 is 0 in JSON
}

function asNumber(v: Json | undefined): number | null {
  if (typeof v === 'number') return v;
  if (
    typeof v === 'string' &&
    v.trim() !== '' &&
    /^[\s+\-\d.eE]+$/.test(v) &&
    Number.isFinite(Number(v))
  )
    return Number(v);
  return null;
}

function listOp(op: string, current: Json | undefined, operand: Json): Json[] {
  const list: Json[] =
    current === undefined ? [] : Array.isArray(current) ? [...current] : [current];
  const values: Json[] = Array.isArray(operand) ? operand : [operand];
  const has = (xs: Json[], x: Json): boolean => xs.some((y) => canonical(y) === canonical(x));
  if (op === '$remove') return list.filter((x) => !has(values, x));
  let added: Json[] = values;
  if (op === '$preInsert' || op === '$postInsert') {
    added = [];
    for (const v of values) if (!has(list, v) && !has(added, v)) added.push(v);
  }
  if (op === '$append' || op === '$postInsert') return [...list, ...added].slice(-CAP);
  return [...added, ...list].slice(0, CAP);
}

/** Applies one identification to a Map of properties (mutates it). */
export function modelApply(props: Map<string, Json>, gp: Record<string, Json>): void {
  const taken = new Set<string>();
  for (const op of ORDER) {
    if (!Object.hasOwn(gp, op)) continue;
    if (op === '$clearAll') {
      props.clear();
      continue;
    }
    const operand = gp[op] as Record<string, Json>;
    for (const name of Object.keys(operand)) {
      if (taken.has(name)) continue;
      taken.add(name);
      const value = operand[name] as Json;
      const current = props.get(name);
      if (op === '$unset') props.delete(name);
      else if (op === '$set') props.set(name, value);
      else if (op === '$setOnce') {
        if (!props.has(name)) props.set(name, value);
      } else if (op === '$add') {
        const base = current === undefined ? 0 : asNumber(current);
        const n = asNumber(value);
        if (base !== null && n !== null && Number.isFinite(base + n)) props.set(name, base + n);
      } else if (op === '$remove') {
        if (current !== undefined) props.set(name, listOp(op, current, value));
      } else props.set(name, listOp(op, current, value));
    }
  }
  for (const key of Object.keys(gp)) if (!key.startsWith('$')) props.set(key, gp[key] as Json);
}

/** Canonical form of a Map of properties, for comparing with an object. */
export function canonicalMap(props: Map<string, Json>): string {
  return canonical(Object.fromEntries(props));
}

/** Canonical form of a properties object. */
export function canonicalObject(obj: Record<string, unknown>): string {
  return canonical(obj as Json);
}
