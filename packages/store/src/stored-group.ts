import { groupId, type GroupDocument, type GroupKey, type JsonObject } from '@groupidentify/ops';
import { encodeProperties } from './stored-form.js';

/**
 * A group document as the worker stores a group created by one identification of these
 * properties (version 1): for tests and tools that plant many groups at once.
 */
export function storedGroup(key: GroupKey, properties: JsonObject, now: Date): GroupDocument {
  return {
    _id: groupId(key),
    ...key,
    properties: encodeProperties(properties),
    version: 1,
    created_at: now,
    updated_at: now,
  };
}
