import { ChangesTable } from '../components/changes-table';
import { TimeStamp } from '../components/time-stamp';
import { formatCount } from '../format/numbers';
import { hrefOf } from '../routing/route';
import type { Arrived } from './change-list';

/**
 * One change of the feed: when it was applied, its kind, the group (a link to its page), the
 * version, and each property's change from → to.
 */
export function ChangeEntry({ change, seq, erased = 0 }: Arrived) {
  const titleId = `change-${seq}`;
  return (
    <article
      class={`change-entry kind-${change.kind}`}
      aria-labelledby={titleId}
      data-cursor={change.cursor}
    >
      <h2 id={titleId} class="change-title">
        <span class="kind" data-kind={change.kind}>
          {change.kind}
        </span>{' '}
        {change.group_value === undefined ? (
          <span title="an erased group: its value is not kept, only its keyed hash">
            <span class="group-type">{change.group_type}</span> #
            {(change.group_hash ?? '').slice(0, 12)}
          </span>
        ) : (
          <a
            href={hrefOf({
              view: 'group',
              groupType: change.group_type,
              groupValue: change.group_value,
            })}
          >
            <span class="group-type">{change.group_type}</span> {change.group_value}
          </a>
        )}{' '}
        <span class="change-version">version {formatCount(change.version)}</span>
      </h2>
      <dl class="facts">
        <div>
          <dt>Applied</dt>
          <dd>
            <TimeStamp iso={change.applied_at} />
          </dd>
        </div>
        <div>
          <dt>Accepted</dt>
          <dd>
            <TimeStamp iso={change.accepted_at} />
          </dd>
        </div>
        <div>
          <dt>insert_id</dt>
          <dd>
            {change.insert_id === undefined ? <em>none</em> : <code>{change.insert_id}</code>}
          </dd>
        </div>
      </dl>
      {change.kind === 'delete' ? (
        <p class="summary">
          The group was deleted: its properties and history are erased.
          {erased > 0 &&
            ` Its ${erased === 1 ? 'earlier change was' : `${formatCount(erased)} earlier changes were`} taken off this list.`}
        </p>
      ) : Object.keys(change.changes).length === 0 ? (
        <p class="summary">No property changed.</p>
      ) : (
        <ChangesTable changes={change.changes} />
      )}
    </article>
  );
}
