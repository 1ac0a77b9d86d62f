import type { Collection, Db, Filter } from 'mongodb';

/**
 * How the apps read many documents by `_id`: `in` sends one `find({_id: {$in: ids}})` (on MongoDB
 * one indexed query); `each` sends one `findOne({_id})` per id, all at once. FerretDB v1 does not
 * push `$in` down to SQL: it reads and decodes the whole collection for it, which cost the worker
 * ~60 % of its apply time in the benchmark, while an `_id` equality is pushed down (BENCHMARKS.md).
 */
export type IdReads = 'in' | 'each';

/** The documents among `ids` that exist, in no particular order. */
export async function findByIds<T extends { _id: string }>(
  collection: Collection<T>,
  ids: readonly string[],
  reads: IdReads,
): Promise<T[]> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return [];
  if (reads === 'in') {
    return (await collection.find({ _id: { $in: unique } } as Filter<T>).toArray()) as T[];
  }
  const found: T[] = [];
  // A bounded number at once: a job may name a thousand groups, and each query in flight holds a
  // pooled connection and its buffers.
  for (let i = 0; i < unique.length; i += EACH_AT_ONCE) {
    const slice = unique.slice(i, i + EACH_AT_ONCE);
    const docs = await Promise.all(slice.map((_id) => collection.findOne({ _id } as Filter<T>)));
    for (const d of docs) if (d !== null) found.push(d as T);
  }
  return found;
}

const EACH_AT_ONCE = 32;

/** `each` on FerretDB (its `buildInfo` names a `ferretdbVersion`), `in` everywhere else. */
export async function idReadsFor(db: Db): Promise<IdReads> {
  const info = await db.admin().command({ buildInfo: 1 });
  return 'ferretdbVersion' in info ? 'each' : 'in';
}
