import { useEffect, useState } from 'preact/hooks';
import { hrefOf } from '../routing/route';
import { navigate } from '../routing/use-route';

interface Props {
  groupType: string | undefined;
  /** Types seen in the lists so far: the API has no list of types, so these are suggestions. */
  knownTypes: readonly string[];
  limit: number;
  onLimit: (limit: number) => void;
}

const PAGE_SIZES = [10, 50, 100, 500, 1000];

/**
 * What to list. The type goes into the URL (`#/groups?type=org`), so a list can be linked to.
 * The `where` filter, once the API has it, is one more control here (a <WhereFilter> next to the
 * type), and one more field of GroupQuery (api/read-api.ts).
 */
export function GroupsToolbar({ groupType, knownTypes, limit, onLimit }: Props) {
  const [typeText, setTypeText] = useState(groupType ?? '');
  useEffect(() => setTypeText(groupType ?? ''), [groupType]);

  const submit = (event: Event) => {
    event.preventDefault();
    const type = typeText.trim();
    navigate(hrefOf({ view: 'groups', groupType: type === '' ? undefined : type }));
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
