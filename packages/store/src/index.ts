export { openStore, type Store, type StoreCapabilities, type StoreOptions } from './open-store.js';
export type {
  DeadLetterDocument,
  DeliveryAttempt,
  DeliveryStateDocument,
  DestinationDocument,
  DestinationStatus,
  GroupDocument,
  HistoryDocument,
  ImportRunDocument,
  InsertIdClaim,
  ProjectDocument,
} from './documents.js';
export type { ImportRuns } from './import-runs.js';
export {
  RECENT_ATTEMPTS,
  destinationDetails,
  destinationView,
  summarize,
  type DeliveryAttemptView,
  type DeliveryFailure,
  type DeliverySummary,
  type DestinationDetail,
  type Destinations,
  type DestinationView,
  type NewDestination,
  type PartitionDeliveryView,
} from './destinations.js';
export {
  ORDERINGS,
  type IngestProject,
  type Ordering,
  type ProjectSettingsUpdate,
  type ProjectStore,
  type ProjectSummary,
  type ProjectWithKeys,
} from './projects.js';
export {
  MAX_PROPERTIES_BYTES,
  exceedsDocumentLimit,
  HistoryTooLongError,
  type AsOfOptions,
  type GroupAsOf,
  type GroupStore,
  type GroupSummary,
  type GroupView,
} from './groups.js';
export {
  MAX_HISTORY_RECORD_BYTES,
  historyRecord,
  type AppliedRecord,
  type FoldUpdate,
  type HistoryChange,
  type HistoryPage,
  type HistoryStore,
  type HistoryView,
  type TailRecord,
} from './history.js';
export type {
  DeadLetter,
  DeadLetterPage,
  DeadLetterPosition,
  DeadLetterStore,
  DeadLetterView,
  GroupRef,
} from './dead-letters.js';
export type { InsertIdClaimRequest, InsertIdClaims } from './insert-id-claims.js';
export { INSERT_ID_RETENTION_SECONDS } from './indexes.js';
export { storedForm } from './stored-form.js';
export { sequenceId } from './sequence-id.js';
export {
  isDuplicateKey,
  isQueryTimeout,
  isTransientStoreError,
  storeErrorMessage,
} from './store-errors.js';
export type { PropertyIndex, PropertyIndexes } from './property-indexes.js';
export type { GroupQueries, GroupSelection } from './group-queries.js';
export {
  feedJobKey,
  feedRecordId,
  type ChangeFeedStore,
  type CountChange,
  type FeedJob,
} from './change-feed.js';
export { readChangePage, type AnnouncedChanges, type PageOptions } from './change-page.js';
export { changeViewOf, type ChangeView, type FeedChange } from './change-view.js';
export { groupHash, type ErasureKeys } from './erasure-keys.js';
export {
  decodeFeedCursor,
  encodeFeedCursor,
  MAX_CURSOR_PARTITIONS,
  type FeedCursor,
} from './feed-cursor.js';
