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
import { isQueryTimeout } from './store-errors.js';
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
   * more history to undo than `maxHistory` throws {@link HistoryTooLongError}. One cursor, read
   * again after the last group when the store's time limit stops it (docs/guarantees.md#store-
   * query-time-limit): the limit is for each query, not for the whole export.
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
      let after: string | undefined;
      let paged = false;
      for (;;) {
        const filter = after === undefined ? selected : { ...selected, _id: { $gt: after } };
        const cursor = groups.find(filter).sort({ _id: 1 }).batchSize(EXPORT_BATCH);
        if (paged) cursor.limit(EXPORT_BATCH);
        let read = 0;
        try {
          for await (const doc of cursor) {
            if (asOf === undefined) yield viewOf(doc);
            else {
              const then = await groupAsOf(doc, asOf, history, options);
              if (!then.found && then.why === 'history-too-long')
                throw new HistoryTooLongError(doc, options.maxHistory ?? 0);
              if (
                then.found &&
                (options.where === undefined || matchesWhere(then.group.properties, options.where))
              )
                yield then.group;
            }
            after = doc._id;
            read++;
          }
          if (!paged || read < EXPORT_BATCH) return;
        } catch (error) {
          // The store's time limit is for a query, not for the export. MongoDB counts a cursor's
          // time over all its batches: after progress, a new cursor goes on after the last group.
          // A first batch over the limit (FerretDB sorts every selected document before it):
          // pages of 500 instead, each its own query, which walk the `_id` index. A page over
          // the limit fails the export.
          if (!isQueryTimeout(error) || (read === 0 && paged)) throw error;
          if (read === 0) paged = true;
        } finally {
          await cursor.close();
        }
      }
    },
  };
}
