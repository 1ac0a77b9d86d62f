import { useEffect, useState } from 'preact/hooks';
import { invalidWhereReason } from '../api/api-error';
import type { GroupFilter, GroupQuery, ReadApi } from '../api/read-api';
import type { GroupSummary } from '../api/types';
import { ErrorMessage } from '../components/error-message';
import { TimeStamp } from '../components/time-stamp';
import { formatCount } from '../format/numbers';
import { useAsync } from '../hooks/use-async';
import { hrefOf } from '../routing/route';
import { GroupCount } from './group-count';
import { GroupsToolbar } from './groups-toolbar';
import { ListSummary } from './list-summary';

/** Where each visited page starts: its cursor, and how many groups came before it. */
interface PageStart {
  cursor: string | undefined;
  offset: number;
}

const FIRST_START: PageStart = { cursor: undefined, offset: 0 };
const FIRST: PageStart[] = [FIRST_START];

/** What the table shows: a page of a list, and which list. */
interface ShownPage {
  filter: GroupFilter;
  offset: number;
  page: number;
  items: readonly GroupSummary[];
  more: boolean;
}

interface Props {
  api: ReadApi;
  groupType: string | undefined;
  /** The `where` filter's text, from the URL; undefined for every group. */
  where: string | undefined;
}

/**
 * All groups of the project, or of one type, or those matching a `where`, a page at a time
 * (`GET /api/groups`), and how many there are in all (`GET /api/groups/count`).
 */
export function GroupsView({ api, groupType, where }: Props) {
  const [limit, setLimit] = useState(50);
  // A stack, so that "Previous" goes back through the cursors "Next" followed; another type,
  // filter or page size starts again from the first page.
  const listing = JSON.stringify([groupType ?? null, where ?? null, limit]);
  const [position, setPosition] = useState({ listing, starts: FIRST });
  const starts = position.listing === listing ? position.starts : FIRST;
  const setStarts = (next: PageStart[]) => setPosition({ listing, starts: next });
  const [knownTypes, setKnownTypes] = useState<readonly string[]>([]);

  const query: GroupQuery = { groupType, where, limit };
  const start = starts[starts.length - 1] ?? FIRST_START;
  const page = useAsync(
    () => api.listGroups(query, start.cursor),
    [api, groupType, where, limit, start],
  );

  useEffect(() => {
    if (page.status !== 'done') return;
    const seen = new Set([...knownTypes, ...page.value.items.map((g) => g.group_type)]);
    if (seen.size > knownTypes.length) setKnownTypes([...seen].sort());
  }, [page, knownTypes]);

  // A filter the server refuses leaves the list as it was (its reason goes beside the filter).
  const whereReason = page.status === 'failed' ? invalidWhereReason(page.error) : undefined;
  const [lastShown, setLastShown] = useState<ShownPage>();
  const current: ShownPage | undefined =
    page.status === 'done'
      ? {
          filter: { groupType, where },
          offset: start.offset,
          page: starts.length,
          items: page.value.items,
          more: page.value.next_cursor !== null,
        }
      : undefined;
  useEffect(() => {
    if (current !== undefined) setLastShown(current);
  }, [page]);
  const shown = current ?? (whereReason === undefined ? undefined : lastShown);
  // The list the summary and the count describe: the one on screen, or the one asked for.
  const described: GroupFilter = shown?.filter ?? { groupType, where };

  const items = shown?.items ?? [];
  const next = page.status === 'done' ? page.value.next_cursor : null;
  return (
    <section aria-labelledby="groups-title">
      <h1 id="groups-title" tabIndex={-1}>
        Groups
      </h1>
      <GroupsToolbar
        groupType={groupType}
        where={where}
        whereReason={whereReason}
        knownTypes={knownTypes}
        limit={limit}
        onLimit={setLimit}
      />
      <div class="list-facts">
        <ListSummary
          loading={page.status === 'loading'}
          failed={shown === undefined && page.status === 'failed'}
          groupType={described.groupType}
          filtered={described.where !== undefined}
          offset={shown?.offset ?? start.offset}
          shown={items.length}
          page={shown?.page ?? starts.length}
          more={shown?.more ?? false}
        />
        <GroupCount api={api} filter={described} />
      </div>
      <ErrorMessage
        error={page.status === 'failed' && whereReason === undefined ? page.error : undefined}
      />
      {items.length > 0 && (
        <div class="table-scroll">
          <table class="groups">
            <thead>
              <tr>
                <th scope="col">Type</th>
                <th scope="col">Value</th>
                <th scope="col" class="number">
                  Version
                </th>
                <th scope="col">Updated</th>
              </tr>
            </thead>
            <tbody>
              {items.map((g) => (
                <tr key={`${g.group_type}\u0000${g.group_value}`}>
                  <td>{g.group_type}</td>
                  <td>
                    <a
                      href={hrefOf({
                        view: 'group',
                        groupType: g.group_type,
                        groupValue: g.group_value,
                      })}
                    >
                      {g.group_value}
                    </a>
                  </td>
                  <td class="number">{formatCount(g.version)}</td>
                  <td>
                    <TimeStamp iso={g.updated_at} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <nav class="pager" aria-label="Pages of groups">
        <button
          type="button"
          disabled={starts.length === 1}
          onClick={() => setStarts(starts.slice(0, -1))}
        >
          Previous page
        </button>
        <button
          type="button"
          disabled={next === null}
          onClick={() =>
            next !== null &&
            setStarts([...starts, { cursor: next, offset: start.offset + items.length }])
          }
        >
          Next page
        </button>
      </nav>
    </section>
  );
}
