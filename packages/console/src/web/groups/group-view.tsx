import { useState } from 'preact/hooks';
import type { ReadApi } from '../api/read-api';
import { ErrorMessage } from '../components/error-message';
import { useAsync } from '../hooks/use-async';
import { AsOfPanel } from './as-of-panel';
import { DeleteGroupButton } from './delete-group-button';
import { GroupHeader } from './group-header';
import { HistoryTimeline } from './history-timeline';
import { InstantDiff } from './instant-diff';
import { PropertyPanel } from './property-panel';

interface Props {
  api: ReadApi;
  groupType: string;
  groupValue: string;
}

/**
 * One group: its properties now, at an instant, between two instants, and its history; and its
 * deletion.
 */
export function GroupView({ api, groupType, groupValue }: Props) {
  const [reloads, setReloads] = useState(0);
  const [asOf, setAsOf] = useState<string>();
  // The page stays on for the next group (a link from a dead letter): remember which one went.
  const groupKey = JSON.stringify([groupType, groupValue]);
  const [deletedKey, setDeletedKey] = useState<string>();
  const deleted = deletedKey === groupKey;
  const group = useAsync(
    () => api.group(groupType, groupValue),
    [api, groupType, groupValue, reloads],
  );
  const project = useAsync(() => api.project(), [api]);
  const byEventTime = project.status === 'done' && project.value.ordering === 'event_time';

  const showAt = (iso: string) => {
    setAsOf(iso);
    document.getElementById('as-of-title')?.focus();
  };

  return (
    <div class="group-view">
      <GroupHeader
        groupType={groupType}
        groupValue={groupValue}
        ordering={project.status === 'done' ? project.value.ordering : undefined}
        actions={
          <>
            {!deleted && (
              <button type="button" onClick={() => setReloads(reloads + 1)}>
                Reload
              </button>
            )}
            <DeleteGroupButton
              key={groupKey}
              api={api}
              groupType={groupType}
              groupValue={groupValue}
              onDeleted={() => setDeletedKey(groupKey)}
            />
          </>
        }
      />
      {/* Once it is gone, what was read of it before is not shown as if it were still there. */}
      {!deleted && group.status === 'loading' && <p class="summary">Loading…</p>}
      {!deleted && group.status === 'failed' && <ErrorMessage error={group.error} />}
      {!deleted && group.status === 'done' && (
        <div class="group-columns" key={reloads}>
          <div class="column">
            <PropertyPanel group={group.value} />
            <AsOfPanel
              api={api}
              groupType={groupType}
              groupValue={groupValue}
              asOf={asOf}
              onAsOf={setAsOf}
            />
            <InstantDiff
              api={api}
              groupType={groupType}
              groupValue={groupValue}
              createdAt={group.value.created_at}
            />
          </div>
          <div class="column">
            <HistoryTimeline
              api={api}
              groupType={groupType}
              groupValue={groupValue}
              byEventTime={byEventTime}
              onShowAt={showAt}
            />
          </div>
        </div>
      )}
    </div>
  );
}
