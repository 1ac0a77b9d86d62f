import { invalidWhereReason, messageOf } from '../api/api-error';
import type { GroupFilter, ReadApi } from '../api/read-api';
import { useAsync } from '../hooks/use-async';
import { countText } from './count-text';

/**
 * How many groups the list's filter matches in all (`GET /api/groups/count`), beside the list's
 * own summary. Asked for on its own, next to the list's request: a count that is slow on a large
 * project shows when it arrives and never holds the list back.
 */
export function GroupCount({ api, filter }: { api: ReadApi; filter: GroupFilter }) {
  const { groupType, where } = filter;
  const count = useAsync(() => api.countGroups({ groupType, where }), [api, groupType, where]);
  let text: string;
  if (count.status === 'loading') text = 'Counting…';
  else if (count.status === 'done') text = countText(count.value, where !== undefined);
  // The list says what is wrong with the filter, beside it.
  else if (invalidWhereReason(count.error) !== undefined) text = '';
  else text = `Could not count the groups: ${messageOf(count.error)}`;
  return (
    <p class="hint group-count" role="status" aria-live="polite" data-testid="group-count">
      {text}
    </p>
  );
}
