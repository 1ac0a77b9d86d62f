import type { Collection, Filter } from 'mongodb';

/**
 * The documents among `ids` that exist, in no particular order: one `find({_id: {$in: ids}})`,
 * served by the `_id` index on MongoDB and on FerretDB with scripts/ferretdb/0002-*.patch.
 */
export async function findByIds<T extends { _id: string }>(
  collection: Collection<T>,
  ids: readonly string[],
): Promise<T[]> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return [];
  return (await collection.find({ _id: { $in: unique } } as Filter<T>).toArray()) as T[];
}
