import { createHmac, randomBytes } from 'node:crypto';
import { insertManyOnce, type Collections } from './collections.js';

/**
 * The keyed hash that an erasure leaves in place of a group's value (docs/api.md#change-feed):
 * HMAC-SHA256 of the `group_value` (UTF-8) with the project's erasure key, in hex. A reader who
 * knows a value and the key computes the same hash; without the key, a hash tells nothing.
 */
export function groupHash(erasureKey: string, groupValue: string): string {
  return createHmac('sha256', erasureKey).update(groupValue, 'utf8').digest('hex');
}

/** Each project's erasure key: 32 random bytes (base64url), made on the project's first erasure. */
export interface ErasureKeys {
  keyOf(project: string): Promise<string>;
}

/** A new erasure key. */
const newErasureKey = (): string => randomBytes(32).toString('base64url');

export function erasureKeys({ projects, erasureKeyClaims }: Collections): ErasureKeys {
  const known = new Map<string, string>(); // a key never changes once made
  return {
    async keyOf(project) {
      const cached = known.get(project);
      if (cached !== undefined) return cached;
      const doc = await projects.findOne({ _id: project }, { projection: { erasure_key: 1 } });
      let key = doc?.erasure_key;
      if (doc !== null && key === undefined) {
        // Workers of several partitions make their first erasures at once. A conditional update
        // does not decide between them (FerretDB runs it as a read, then a write: both match);
        // a unique _id does: the first claim inserted is the key, and every racer copies it.
        await insertManyOnce(erasureKeyClaims, [{ _id: project, key: newErasureKey() }]);
        key = (await erasureKeyClaims.findOne({ _id: project }))?.key;
        if (key !== undefined)
          await projects.updateOne({ _id: project }, { $set: { erasure_key: key } });
      }
      if (key === undefined) throw new Error(`no project ${project} to hold an erasure key`);
      known.set(project, key);
      return key;
    },
  };
}
