import { useEffect, useState } from 'preact/hooks';
import { groupsRoute, hrefOf } from '../routing/route';
import { navigate } from '../routing/use-route';
import { WhereFilter } from './where-filter';

interface Props {
  groupType: string | undefined;
  where: string | undefined;
  /** Why the server refused `where`, if it did: shown beside the filter. */
  whereReason: string | undefined;
  /** Types seen in the lists so far: the API has no list of types, so these are suggestions. */
  knownTypes: readonly string[];
  limit: number;
  onLimit: (limit: number) => void;
}

const PAGE_SIZES = [10, 50, 100, 500, 1000];

/**
 * What to list. The type and the `where` filter go into the URL
 * (`#/groups?type=org&where={"plan":"pro"}`), so a list can be linked to, reloaded, and gone back
 * to.
 */
export function GroupsToolbar({
  groupType,
  where,
  whereReason,
  knownTypes,
  limit,
  onLimit,
}: Props) {
  const [typeText, setTypeText] = useState(groupType ?? '');
  useEffect(() => setTypeText(groupType ?? ''), [groupType]);
  const [whereText, setWhereText] = useState(where ?? '');
  useEffect(() => setWhereText(where ?? ''), [where]);

  const submit = (event: Event) => {
    event.preventDefault();
    const type = typeText.trim();
    navigate(hrefOf(groupsRoute(type === '' ? undefined : type, whereText)));
  };

  return (
    <form class="toolbar" role="search" aria-label="Which groups" onSubmit={submit}>
      <label>
        Group type
        <input
          name="group_type"
          list="known-group-types"
          placeholder="all types"
          spellcheck={false}
          value={typeText}
          onInput={(e) => setTypeText(e.currentTarget.value)}
        />
      </label>
      <datalist id="known-group-types">
        {knownTypes.map((t) => (
          <option key={t} value={t} />
        ))}
      </datalist>
      <WhereFilter text={whereText} onText={setWhereText} reason={whereReason} />
      <label>
        Per page
        <select
          name="limit"
          value={String(limit)}
          onChange={(e) => onLimit(Number(e.currentTarget.value))}
        >
          {PAGE_SIZES.map((n) => (
            <option key={n} value={String(n)}>
              {n}
            </option>
          ))}
        </select>
      </label>
      <button type="submit">Show</button>
    </form>
  );
}
