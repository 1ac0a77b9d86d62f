import type { PropertyChange } from './apply-identification.js';
import { setOwn, type JsonValue, type Properties } from './json.js';

/**
 * Undoes one identification's recorded changes: the properties as they were before it
 * (docs/api.md `as_of`). A change with `from` restores it; one without removes the property.
 * Returns a new object.
 */
export function rewind(
  properties: Properties,
  changes: Record<string, PropertyChange>,
): Properties {
  const before: Properties = {};
  for (const key of Object.keys(properties)) setOwn(before, key, properties[key] as JsonValue);
  for (const [name, change] of Object.entries(changes)) {
    if (change.from === undefined) Reflect.deleteProperty(before, name);
    else setOwn(before, name, change.from);
  }
  return before;
}
