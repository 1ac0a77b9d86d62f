import type { GroupKey } from '@groupidentify/ops';

/**
 * The partition of a group: FNV-1a (32-bit, over UTF-16 code units) of its key, modulo the
 * partition count. Every identification of one group lands in one partition, whose queue is
 * consumed by one worker at a time: that is what keeps per-group order (docs/guarantees.md). Changing
 * this function or the count moves groups between partitions: both are fixed for a deployment.
 */
export function partitionOf(key: GroupKey, partitions: number): number {
  let hash = 0x811c9dc5;
  for (const part of [key.project, key.group_type, key.group_value]) {
    for (let i = 0; i < part.length; i++) {
      hash ^= part.charCodeAt(i);
      hash = Math.imul(hash, 0x01000193);
    }
    hash ^= 0xff; // separator: ("ab","c") and ("a","bc") hash apart
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % partitions;
}
