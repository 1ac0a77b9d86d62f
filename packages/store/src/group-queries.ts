import { matchesWhere, visibleVersion, type Where } from '@groupidentify/ops';
import type { Collections } from './collections.js';
import {
  groupAsOf,
  HistoryTooLongError,
  viewOf,
  type AsOfOptions,
  type GroupSummary,
  type GroupView,
} from './groups.js';
import type { HistoryStore } from './history.js';
import { maintainedCount } from './group-counts.js';
import { whereFilter } from './where-filter.js';

/** Which groups of a project: one type (if given), those matching `where` (if given). */
export interface GroupSelection {
  groupType?: string | undefined;
  where?: Where | undefined;
}

export interface GroupQueries {
  /** A page of the selected groups in `_id` order, after the cursor `after`. */
  list(
    project: string,
    options: GroupSelection & { after?: string | undefined; limit: number },
  ): Promise<{ items: GroupSummary[]; after: string | undefined }>;
  /**
   * How many groups the selection holds: without `where`, from the maintained counts when they
   * can be trusted (docs/storage.md#group-counts), otherwise by counting the documents.
   */
  count(project: string, selection: GroupSelection): Promise<number>;
  /**
   * The maintained count of the project's live groups (of one type, or all), or undefined when it
   * cannot be trusted and `count` scans instead.
   */
  maintainedCount(project: string, groupType?: string): Promise<number | undefined>;
  /** The server's plan for a selection (`explain`): which index serves it, if any. */
  explain(project: string, selection: GroupSelection): Promise<Record<string, unknown>>;
  /**
   * Every selected group, one at a time, in `_id` order, read in batches: memory stays the same
   * whatever their number. With `asOf`, the properties in effect then (groups that did not exist
   * then, and those whose history cannot be rewound to then, are left out) and `where` tested on
   * those; without, the current ones. Stops early when the caller stops iterating. A group with
   * more history to undo than `maxHistory` throws {@link HistoryTooLongError}. One cursor without
   * the store's time limit (the history reads of `asOf` keep it).
   */
  exportAll(
    project: string,
    options: GroupSelection & { asOf?: Date | undefined } & AsOfOptions,
  ): AsyncGenerator<GroupView>;
}

const EXPORT_BATCH = 500;

export function groupQueries(c: Collections, history: HistoryStore): GroupQueries {
  const { groups } = c;
  const filterOf = (project: string, s: GroupSelection, useWhere = true) => ({
    project,
    erased: { $exists: false },
    ...(s.groupType === undefined || s.groupType === '' ? {} : { group_type: s.groupType }),
    ...(useWhere && s.where !== undefined ? whereFilter(s.where) : {}),
  });
  return {
    async list(project, options) {
      const filter: Record<string, unknown> = filterOf(project, options);
      if (options.after !== undefined) filter['_id'] = { $gt: options.after };
      const docs = await groups
        .find(filter, { projection: { properties: 0 } })
        .sort({ _id: 1 })
        .limit(options.limit + 1)
        .toArray();
      const page = docs.slice(0, options.limit);
      return {
        items: page.map((d) => ({
          group_type: d.group_type,
          group_value: d.group_value,
          version: visibleVersion(d),
          updated_at: d.updated_at.toISOString(),
        })),
        after: docs.length > options.limit ? page[page.length - 1]?._id : undefined,
      };
    },
    async count(project, selection) {
      if (selection.where === undefined) {
        const type = selection.groupType === '' ? undefined : selection.groupType;
        const counted = await maintainedCount(c, project, type);
        if (counted !== undefined) return counted;
      }
      return groups.countDocuments(filterOf(project, selection));
    },
    maintainedCount: (project, groupType) => maintainedCount(c, project, groupType),
    async explain(project, selection) {
      return groups.find(filterOf(project, selection)).explain('queryPlanner');
    },
    async *exportAll(project, options) {
      const asOf = options.asOf;
      // With as_of, `where` is about the properties then: tested here, not by the store.
      const selected = filterOf(project, options, asOf === undefined);
      // No time limit on this cursor (maxTimeMS 0): MongoDB counts a cursor's time over all its
      // batches, so any limit would cut a large export part-way. Exports are bounded by how many
      // run at once instead (docs/guarantees.md#store-query-time-limit).
      const cursor = groups
        .find(selected, { maxTimeMS: 0 })
        .sort({ _id: 1 })
        .batchSize(EXPORT_BATCH);
      try {
        for await (const doc of cursor) {
          if (asOf === undefined) {
            yield viewOf(doc);
            continue;
          }
          const then = await groupAsOf(doc, asOf, history, options);
          if (!then.found && then.why === 'history-too-long')
            throw new HistoryTooLongError(doc, options.maxHistory ?? 0);
          if (
            then.found &&
            (options.where === undefined || matchesWhere(then.group.properties, options.where))
          )
            yield then.group;
        }
      } finally {
        await cursor.close();
      }
    },
  };
}
