import { deepEqual } from './deep-equal.js';
import {
  getOwn,
  isJsonObject,
  setOwn,
  type JsonObject,
  type JsonValue,
  type Properties,
} from './json.js';
import { OPERATIONS, isOperatorKey, type Operation } from './operations.js';
import { applyListOperation, isListOperation } from './list-operations.js';
import { toFiniteNumber } from './numeric.js';

/** How one property changed; `from` is absent for a new property, `to` for a removed one. */
export interface PropertyChange {
  from?: JsonValue;
  to?: JsonValue;
}

/** An operation that had no effect, and why (kept in history, docs/api.md). */
export interface SkippedOperation {
  op: Operation;
  property: string;
  reason: string;
}

/** The outcome of applying one identification to a group's properties. */
export interface ApplyResult {
  /** The new properties (a new object; the input is never mutated). */
  properties: Properties;
  /** Per-property changes, keyed by property name; unchanged properties are absent. */
  changes: Record<string, PropertyChange>;
  skipped: SkippedOperation[];
}

/**
 * Applies one identification's `group_properties` to `current` with the semantics of docs/semantics.md:
 * operations in {@link OPERATIONS} order whatever the key order, the first operation naming a
 * property takes it (later ones are skipped), then plain keys as an overriding `$set`.
 * Expects validated input (see `validateIdentification`); unknown `$` keys are ignored.
 */
export function applyIdentification(current: Properties, groupProperties: JsonObject): ApplyResult {
  let properties = copyProperties(current);
  const claimedBy = new Map<string, Operation>();
  const skipped: SkippedOperation[] = [];
  let cleared = false;

  for (const op of OPERATIONS) {
    const operand = getOwn(groupProperties, op);
    if (operand === undefined) continue;
    if (op === '$clearAll') {
      properties = Object.create(Object.prototype) as Properties;
      cleared = true;
      continue;
    }
    if (!isJsonObject(operand)) continue;
    for (const name of Object.keys(operand)) {
      const owner = claimedBy.get(name);
      if (owner !== undefined) {
        skipped.push({
          op,
          property: name,
          reason: `already changed by ${owner} in this identification`,
        });
        continue;
      }
      claimedBy.set(name, op);
      const reason = applyOperation(properties, op, name, operand[name] as JsonValue);
      if (reason !== undefined) skipped.push({ op, property: name, reason });
    }
  }

  const touched = new Set(claimedBy.keys());
  for (const key of Object.keys(groupProperties)) {
    if (isOperatorKey(key)) continue;
    setOwn(properties, key, groupProperties[key] as JsonValue);
    touched.add(key);
  }
  if (cleared) for (const key of Object.keys(current)) touched.add(key);
  return { properties, changes: diffProperties(current, properties, touched), skipped };
}

/** Applies one operation to one property in place; returns why it was skipped, if it was. */
function applyOperation(
  properties: Properties,
  op: Exclude<Operation, '$clearAll'>,
  name: string,
  operand: JsonValue,
): string | undefined {
  const existing = getOwn(properties, name);
  switch (op) {
    case '$unset':
      Reflect.deleteProperty(properties, name);
      return undefined;
    case '$set':
      setOwn(properties, name, operand);
      return undefined;
    case '$setOnce':
      if (existing !== undefined) return 'already set';
      setOwn(properties, name, operand);
      return undefined;
    case '$add':
      return applyAdd(properties, name, existing, operand);
    default:
      if (!isListOperation(op)) return undefined;
      if (op === '$remove' && existing === undefined) return undefined;
      setOwn(properties, name, applyListOperation(op, existing, operand));
      return undefined;
  }
}

function applyAdd(
  properties: Properties,
  name: string,
  existing: JsonValue | undefined,
  operand: JsonValue,
): string | undefined {
  const amount = toFiniteNumber(operand);
  if (amount === undefined) return 'operand is not a number';
  const base = existing === undefined ? 0 : toFiniteNumber(existing);
  if (base === undefined) return 'existing value is not a number';
  const sum = base + amount;
  if (!Number.isFinite(sum)) return 'result is not a finite number';
  setOwn(properties, name, sum);
  return undefined;
}

function copyProperties(source: Properties): Properties {
  const copy = Object.create(Object.prototype) as Properties;
  for (const key of Object.keys(source)) setOwn(copy, key, source[key] as JsonValue);
  return copy;
}

/** The changes between two property sets, looking only at `keys`. */
export function diffProperties(
  before: Properties,
  after: Properties,
  keys: Iterable<string>,
): Record<string, PropertyChange> {
  const changes: Record<string, PropertyChange> = {};
  for (const key of keys) {
    const from = getOwn(before, key);
    const to = getOwn(after, key);
    if (from === undefined && to === undefined) continue;
    if (from !== undefined && to !== undefined && deepEqual(from, to)) continue;
    const change: PropertyChange = {};
    if (from !== undefined) change.from = from;
    if (to !== undefined) change.to = to;
    setOwn(changes, key, change);
  }
  return changes;
}
