// For tests that stage a crash part-way through applying a job: the steps applyJob runs, one by
// one (the client-retry claims, then the groups' read–fold–write). Not for production use.
export { applyGroups, type GroupBatch } from './group-writes.js';
export { dropDuplicates } from './insert-id-claims.js';
export { sequenceItems, type SequencedItem } from './sequenced-item.js';
