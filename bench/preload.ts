import { planGroupWrite, type GroupDocument, type JsonObject } from '@groupidentify/ops';
import { openStore, storedForm, type Store } from '@groupidentify/store';
import { MongoClient } from 'mongodb';

/**
 * A new project with `count` groups of `groupType` (`g0`, `g1`, …), each as the worker would
 * have created it from one identification of `propertiesOf(i)`, inserted directly: preloading
 * 100,000 groups through the pipeline would take minutes. `prepare` runs with the store open
 * (to index a property, say). Returns the project's id and keys.
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
    const now = new Date();
    for (let start = 0; start < count; start += 5000) {
      const docs = Array.from({ length: Math.min(5000, count - start) }, (_, k) => {
        const key = { project: project.id, group_type: groupType, group_value: `g${start + k}` };
        const seq = { epoch: 'preload', job: 1, index: 0 };
        const item = { seq, group_properties: propertiesOf(start + k) };
        const write = planGroupWrite(null, key, [item], now, storedForm).write;
        if (write?.kind !== 'insert') throw new Error('internal: a new group is an insert');
        return write.document;
      });
      await groups.insertMany(docs);
    }
    await prepare(store, project.id);
    return { projectId: project.id, apiKey: project.api_key, secretKey: project.secret_key };
  } finally {
    await client.close();
    await store.close();
  }
}
