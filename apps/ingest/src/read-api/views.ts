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

/** A recorded change; `omitted` lists sides too large to have been kept in history. */
export type HistoryChange = PropertyChange & { omitted?: ('from' | 'to')[] };

/** Stored changes back to `{name: {from?, to?, omitted?}}` with decoded names and values. */
export function decodeChanges(stored: JsonObject): Record<string, HistoryChange> {
  const changes: Record<string, HistoryChange> = {};
  for (const key of Object.keys(stored)) {
    const raw = stored[key] as JsonObject;
    const change: HistoryChange = {};
    if (Object.hasOwn(raw, 'from')) change.from = decodeValue(raw['from'] as JsonValue);
    if (Object.hasOwn(raw, 'to')) change.to = decodeValue(raw['to'] as JsonValue);
    if (Array.isArray(raw['omitted'])) change.omitted = raw['omitted'] as ('from' | 'to')[];
    setOwn(changes, decodeName(key), change);
  }
  return changes;
}

/** True when undoing these changes needs a value history did not keep. */
export function cannotRewind(changes: Record<string, HistoryChange>): boolean {
  return Object.values(changes).some((c) => c.omitted?.includes('from') === true);
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
