import { createHash } from 'node:crypto';
import type { Collections } from './collections.js';
import type { PropertyIndexDocument } from './documents.js';
import { encodeName } from './stored-form.js';

/** An index that serves `where` conditions on one property of one project's groups of a type. */
export interface PropertyIndex {
  /** The server's index (shared by every project and type that indexes this property). */
  name: string;
  project: string;
  group_type: string;
  property: string;
  created_at: Date;
}

export interface PropertyIndexes {
  /**
   * Records that `property` of `groupType` groups is indexed for `project`, and creates the
   * server's index `{project, group_type, properties.<name>}` if it is not there: the one MongoDB
   * serves a `where` on this property from (equality and ranges alike). Idempotent.
   */
  create(project: string, groupType: string, property: string): Promise<PropertyIndex>;
  /** The property indexes of a project (of every project without one), by creation. */
  list(project?: string): Promise<PropertyIndex[]>;
  /** Forgets it (and drops the server's index if no one else uses it); false when there was none. */
  drop(project: string, groupType: string, property: string): Promise<boolean>;
}

/**
 * The server's index for one property name: `{project, group_type, properties.<name>}` serves that
 * property's conditions for every project and type (their values lead the key), so projects that
 * index the same property share it. A short name of its own keeps within any name length limit.
 */
const serverIndexName = (property: string): string =>
  `where_${createHash('sha256').update(property).digest('hex').slice(0, 24)}`;

const registryId = (project: string, groupType: string, property: string): string =>
  JSON.stringify([project, groupType, property]);

export function propertyIndexes(c: Collections): PropertyIndexes {
  const registry = c.propertyIndexes;
  const toIndex = (d: PropertyIndexDocument): PropertyIndex => ({
    name: d.index,
    project: d.project,
    group_type: d.group_type,
    property: d.property,
    created_at: d.created_at,
  });
  return {
    async create(project, groupType, property) {
      const index = serverIndexName(property);
      await c.groups.createIndex(
        { project: 1, group_type: 1, [`properties.${encodeName(property)}`]: 1 },
        { name: index },
        undefined,
      );
      const _id = registryId(project, groupType, property);
      const doc: PropertyIndexDocument = {
        _id,
        index,
        project,
        group_type: groupType,
        property,
        created_at: new Date(),
      };
      await registry.updateOne({ _id }, { $setOnInsert: doc }, { upsert: true });
      return toIndex((await registry.findOne({ _id })) ?? doc);
    },
    async list(project) {
      const docs = await registry.find(project === undefined ? {} : { project }).toArray();
      return docs.sort((a, b) => a.created_at.getTime() - b.created_at.getTime()).map(toIndex);
    },
    async drop(project, groupType, property) {
      const known =
        (await registry.deleteOne({ _id: registryId(project, groupType, property) })).deletedCount >
        0;
      // The server's index goes with the last project and type that asked for it.
      if (known && (await registry.countDocuments({ property }, { limit: 1 })) === 0)
        await c.groups.dropIndex(serverIndexName(property)).catch(() => undefined);
      return known;
    },
  };
}
