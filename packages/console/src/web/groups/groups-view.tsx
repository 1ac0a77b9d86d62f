import { useEffect, useState } from 'preact/hooks';
import type { GroupQuery, ReadApi } from '../api/read-api';
import { ErrorMessage } from '../components/error-message';
import { TimeStamp } from '../components/time-stamp';
import { formatCount } from '../format/numbers';
import { useAsync } from '../hooks/use-async';
import { hrefOf } from '../routing/route';
import { GroupsToolbar } from './groups-toolbar';
import { ListSummary } from './list-summary';

/** Where each visited page starts: its cursor, and how many groups came before it. */
interface PageStart {
  cursor: string | undefined;
  offset: number;
}

const FIRST_START: PageStart = { cursor: undefined, offset: 0 };
const FIRST: PageStart[] = [FIRST_START];

/** All groups of the project, or of one type, a page at a time (`GET /api/groups`). */
export function GroupsView({ api, groupType }: { api: ReadApi; groupType: string | undefined }) {
  const [limit, setLimit] = useState(50);
  // A stack, so that "Previous" goes back through the cursors "Next" followed; another type or
  // page size starts again from the first page.
  const listing = `${groupType ?? ''}\u0000${limit}`;
  const [position, setPosition] = useState({ listing, starts: FIRST });
  const starts = position.listing === listing ? position.starts : FIRST;
  const setStarts = (next: PageStart[]) => setPosition({ listing, starts: next });
  const [knownTypes, setKnownTypes] = useState<readonly string[]>([]);

  const query: GroupQuery = { groupType, limit };
  const start = starts[starts.length - 1] ?? FIRST_START;
  const page = useAsync(() => api.listGroups(query, start.cursor), [api, groupType, limit, start]);

  useEffect(() => {
    if (page.status !== 'done') return;
    const seen = new Set([...knownTypes, ...page.value.items.map((g) => g.group_type)]);
    if (seen.size > knownTypes.length) setKnownTypes([...seen].sort());
  }, [page, knownTypes]);

  const items = page.status === 'done' ? page.value.items : [];
  const next = page.status === 'done' ? page.value.next_cursor : null;
  return (
    <section aria-labelledby="groups-title">
      <h1 id="groups-title" tabIndex={-1}>
        Groups
      </h1>
      <GroupsToolbar
        groupType={groupType}
        knownTypes={knownTypes}
        limit={limit}
        onLimit={setLimit}
      />
      <ListSummary
        loading={page.status === 'loading'}
        groupType={groupType}
        offset={start.offset}
        shown={items.length}
        page={starts.length}
        more={next !== null}
      />
      <ErrorMessage error={page.status === 'failed' ? page.error : undefined} />
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
