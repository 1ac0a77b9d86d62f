import { planGroupWrite, type GroupDocument, type JsonObject } from '@groupidentify/ops';
import { partitionOf } from '@groupidentify/queue-contract';
import { openStore, storedForm, type Store } from '@groupidentify/store';
import { collectionsOf, encodeName } from '@groupidentify/store/testing';
import { MongoClient } from 'mongodb';
import { PARTITIONS } from './apps.js';

/**
 * A new project with `count` groups of `groupType` (`g0`, `g1`, …), each as the worker would
 * have created it from one identification of `propertiesOf(i)`, inserted directly: preloading
 * 100,000 groups through the pipeline would take minutes. The group counts are set as the
 * worker's commits would have left them (docs/storage.md#group-counts); the history records are
 * left out. `prepare` runs with the store open (to index a property, say). Returns the project's
 * id and keys.
 */
export async function preloadGroups(
  mongoUrl: string,
  groupType: string,
  count: number,
  propertiesOf: (i: number) => JsonObject,
  prepare: (store: Store, project: string) => Promise<unknown> = () => Promise.resolve(),
): Promise<{ projectId: string; apiKey: string; secretKey: string }> {
  const store = await openStore(mongoUrl);
  const client = await MongoClient.connect(mongoUrl);
  try {
    const project = await store.projects.create(groupType);
    const groups = client.db().collection<GroupDocument>('groups');
    const perPartition = new Array<number>(PARTITIONS).fill(0);
    const now = new Date();
    for (let start = 0; start < count; start += 5000) {
      const docs = Array.from({ length: Math.min(5000, count - start) }, (_, k) => {
        const key = { project: project.id, group_type: groupType, group_value: `g${start + k}` };
        const p = partitionOf(key, PARTITIONS);
        perPartition[p] = (perPartition[p] ?? 0) + 1;
        const seq = { epoch: 'preload', job: 1, index: 0 };
        const item = { seq, group_properties: propertiesOf(start + k) };
        const write = planGroupWrite(null, key, [item], now, storedForm).write;
        if (write?.kind !== 'insert') throw new Error('internal: a new group is an insert');
        return write.document;
      });
      await groups.insertMany(docs);
    }
    await collectionsOf(client.db()).feedHeads.insertMany(
      perPartition.map((n, partition) => ({
        _id: JSON.stringify([project.id, partition]),
        project: project.id,
        partition,
        // Each group's one identification took a position (its history record is left out).
        next: n,
        committed: n,
        pending: [],
        counts: { [encodeName(groupType)]: n },
      })),
    );
    await prepare(store, project.id);
    return { projectId: project.id, apiKey: project.api_key, secretKey: project.secret_key };
  } finally {
    await client.close();
    await store.close();
  }
}
