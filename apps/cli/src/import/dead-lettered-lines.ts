import type { Store } from '@groupidentify/store';

/**
 * Lines of import run `runId` that the workers dead-lettered and nobody has replayed yet (a line
 * that would take its group past the 16 MB limit, say). Every line's `insert_id` is
 * `import:<run>:<line>` (queue-import.ts), and a dead letter keeps its item. The workers finish
 * such a line like any other, so waiting for the last jobs cannot tell it apart: without this
 * count the import said it succeeded while the line was not applied.
 */
export async function deadLetteredLines(store: Store, runId: string): Promise<number> {
  const prefix = `import:${runId}:`;
  let count = 0;
  for await (const batch of store.deadLetters.batches({ pendingOnly: true }))
    for (const letter of batch) {
      const insertId = (letter.item as { insert_id?: unknown } | null)?.insert_id;
      if (typeof insertId === 'string' && insertId.startsWith(prefix)) count++;
    }
  return count;
}
