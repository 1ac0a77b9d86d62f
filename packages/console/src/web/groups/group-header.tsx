import type { ComponentChildren } from 'preact';
import { hrefOf } from '../routing/route';

interface Props {
  groupType: string;
  groupValue: string;
  /** The group's actions: Reload, and Delete (`DELETE /api/groups/{type}/{value}`). */
  actions: ComponentChildren;
  /** How the project orders identifications, once known (`GET /api/project`). */
  ordering: 'received' | 'event_time' | undefined;
}

const ORDERING_TEXT = {
  received: 'Identifications apply in the order they arrive.',
  event_time: 'Identifications apply in event-time order, whatever order they arrive in.',
};

/** Where the page is (Groups › type › value) and what can be done with the group. */
export function GroupHeader({ groupType, groupValue, actions, ordering }: Props) {
  return (
    <header class="group-header">
      <nav aria-label="Breadcrumb" class="breadcrumb">
        <ol>
          <li>
            <a href={hrefOf({ view: 'groups', groupType: undefined })}>Groups</a>
          </li>
          <li>
            <a href={hrefOf({ view: 'groups', groupType })}>{groupType}</a>
          </li>
          <li aria-current="page">{groupValue}</li>
        </ol>
      </nav>
      <div class="title-row">
        <h1 id="group-title" tabIndex={-1}>
          <span class="group-type">{groupType}</span> {groupValue}
        </h1>
        <div class="actions">{actions}</div>
      </div>
      {ordering !== undefined && (
        <p class="summary" data-testid="project-ordering">
          {ORDERING_TEXT[ordering]}
        </p>
      )}
    </header>
  );
}
