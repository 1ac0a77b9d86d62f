import { createHmac, randomBytes } from 'node:crypto';
import type { Collections } from './collections.js';

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

export function erasureKeys({ projects }: Collections): ErasureKeys {
  const known = new Map<string, string>(); // a key never changes once made
  const read = async (project: string) =>
    (await projects.findOne({ _id: project }, { projection: { erasure_key: 1 } }))?.erasure_key;
  return {
    async keyOf(project) {
      const cached = known.get(project);
      if (cached !== undefined) return cached;
      let key = await read(project);
      if (key === undefined) {
        // Only where none is set: two workers racing here end with the one key that won.
        await projects.updateOne(
          { _id: project, erasure_key: { $exists: false } },
          { $set: { erasure_key: randomBytes(32).toString('base64url') } },
        );
        key = await read(project);
      }
      if (key === undefined) throw new Error(`no project ${project} to hold an erasure key`);
      known.set(project, key);
      return key;
    },
  };
}
