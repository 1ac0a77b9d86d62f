import {
  decodeName,
  decodeProperties,
  decodeValue,
  setOwn,
  type GroupDocument,
  type JsonObject,
  type JsonValue,
  type PropertyChange,
} from '@groupidentify/ops';
import type { HistoryDocument } from '@groupidentify/store';

/** SPEC §5 group body. */
export function groupView(
  doc: GroupDocument,
  properties: JsonObject = decodeProperties(doc.properties),
) {
  return {
    group_type: doc.group_type,
    group_value: doc.group_value,
    properties,
    version: doc.version,
    created_at: doc.created_at.toISOString(),
    updated_at: doc.updated_at.toISOString(),
  };
}

/** Stored changes back to `{name: {from?, to?}}` with decoded names and values. */
export function decodeChanges(stored: JsonObject): Record<string, PropertyChange> {
  const changes: Record<string, PropertyChange> = {};
  for (const key of Object.keys(stored)) {
    const raw = stored[key] as JsonObject;
    const change: PropertyChange = {};
    if (Object.hasOwn(raw, 'from')) change.from = decodeValue(raw['from'] as JsonValue);
    if (Object.hasOwn(raw, 'to')) change.to = decodeValue(raw['to'] as JsonValue);
    setOwn(changes, decodeName(key), change);
  }
  return changes;
}

/** SPEC §5 history item. */
export function historyView(doc: HistoryDocument) {
  return {
    version: doc.version,
    received_at: doc.received_at.toISOString(),
    applied_at: doc.applied_at.toISOString(),
    ...(doc.insert_id === undefined ? {} : { insert_id: doc.insert_id }),
    group_properties: decodeValue(doc.group_properties),
    changes: decodeChanges(doc.changes),
    skipped: doc.skipped,
  };
}
