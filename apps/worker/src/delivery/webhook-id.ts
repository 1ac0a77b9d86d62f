import { encodeFeedCursor } from '@groupidentify/store';

/**
 * A change's `webhook-id`: its feed cursor within its own partition (the other partitions' positions
 * 0). The same on every attempt, whoever delivers it, so a receiver can drop repeats by it; and a
 * cursor the change feed takes (it resumes after this change in its partition, from the start in
 * the others).
 */
export function webhookId(
  project: string,
  partition: number,
  position: number,
  partitions: number,
): string {
  const positions = new Array<number>(partitions).fill(0);
  positions[partition] = position;
  return encodeFeedCursor({ project, positions });
}
