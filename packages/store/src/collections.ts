import type { Collection, Db, Document, Filter, OptionalUnlessRequiredId } from 'mongodb';
import { allDuplicateKeys } from './store-errors.js';
import type {
  DeadLetterDocument,
  DeliveryStateDocument,
  DestinationDocument,
  FeedHeadDocument,
  GroupDocument,
  HistoryDocument,
  ImportRunDocument,
  InsertIdClaim,
  ProjectDocument,
  PropertyIndexDocument,
} from './documents.js';

/** The service's collections in one database. Only this package touches them. */
export interface Collections {
  projects: Collection<ProjectDocument>;
  groups: Collection<GroupDocument>;
  history: Collection<HistoryDocument>;
  deadLetters: Collection<DeadLetterDocument>;
  insertIds: Collection<InsertIdClaim>;
  propertyIndexes: Collection<PropertyIndexDocument>;
  feedHeads: Collection<FeedHeadDocument>;
  importRuns: Collection<ImportRunDocument>;
  /** Who made a project's erasure key first (`erasureKeys`). */
  erasureKeyClaims: Collection<{ _id: string; key: string }>;
  destinations: Collection<DestinationDocument>;
  deliveryStates: Collection<DeliveryStateDocument>;
}

export function collectionsOf(db: Db): Collections {
  return {
    projects: db.collection<ProjectDocument>('projects'),
    groups: db.collection<GroupDocument>('groups'),
    history: db.collection<HistoryDocument>('history'),
    deadLetters: db.collection<DeadLetterDocument>('dead_letters'),
    insertIds: db.collection<InsertIdClaim>('insert_ids'),
    propertyIndexes: db.collection<PropertyIndexDocument>('property_indexes'),
    feedHeads: db.collection<FeedHeadDocument>('feed_heads'),
    importRuns: db.collection<ImportRunDocument>('import_runs'),
    erasureKeyClaims: db.collection<{ _id: string; key: string }>('erasure_key_claims'),
    destinations: db.collection<DestinationDocument>('destinations'),
    deliveryStates: db.collection<DeliveryStateDocument>('delivery_states'),
  };
}

/**
 * The documents among `ids` that exist, in no particular order: one `find({_id: {$in: ids}})`,
 * served by the `_id` index on MongoDB and on FerretDB with scripts/ferretdb/0002-*.patch, in one
 * round trip (a cursor's first batch is otherwise 101 documents, and each `getMore` after it
 * another round trip: a worker's read of 600 groups took seven).
 */
export async function findByIds<T extends { _id: string }>(
  collection: Collection<T>,
  ids: readonly string[],
): Promise<T[]> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return [];
  const found = collection.find({ _id: { $in: unique } } as Filter<T>, {
    batchSize: Math.max(unique.length, 1),
  });
  return (await found.toArray()) as T[];
}

/**
 * Inserts documents with deterministic ids, leaving alone those already there: a redelivered job
 * writes nothing twice. True when every document was new (none was there already).
 */
export async function insertManyOnce<T extends Document>(
  collection: Collection<T>,
  docs: readonly OptionalUnlessRequiredId<T>[],
): Promise<boolean> {
  if (docs.length === 0) return true;
  try {
    await collection.insertMany([...docs], { ordered: false });
    return true;
  } catch (error) {
    if (!allDuplicateKeys(error)) throw error;
    return false;
  }
}
