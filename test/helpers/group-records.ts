import { groupId, type GroupKey } from '@groupidentify/ops';
import { groupHash, type HistoryDocument } from '@groupidentify/store';
import type { Collections } from '@groupidentify/store/testing';
import type { Filter } from 'mongodb';

/**
 * The filter of every history record of a group: its identifications' (by group `_id`) and its
 * erasures', which hold the keyed hash of its value instead (docs/storage.md#erasure).
 */
export async function groupRecords(
  raw: Pick<Collections, 'projects'>,
  key: GroupKey,
): Promise<Filter<HistoryDocument>> {
  const erasureKey = (await raw.projects.findOne({ _id: key.project }))?.erasure_key;
  if (erasureKey === undefined) return { group: groupId(key) };
  return {
    $or: [
      { group: groupId(key) },
      {
        group: JSON.stringify([key.project, key.group_type]),
        group_hash: groupHash(erasureKey, key.group_value),
      },
    ],
  };
}
