import { useState } from 'preact/hooks';
import type { HistoryItem } from '../api/types';
import { ChangesTable } from '../components/changes-table';
import { JsonTree } from '../components/json-tree';
import { TimeStamp } from '../components/time-stamp';
import { formatCount } from '../format/numbers';

interface Props {
  item: HistoryItem;
  /** The project orders identifications by event time: "at this point" is its event time. */
  byEventTime: boolean;
  onShowAt: (iso: string) => void;
}

/** One identification: what it changed (from → to), what it skipped and why, and what was sent. */
export function HistoryEntry({ item, byEventTime, onShowAt }: Props) {
  const [showSent, setShowSent] = useState(false);
  const titleId = `version-${item.version}`;
  return (
    <article class="history-entry" aria-labelledby={titleId}>
      <h3 id={titleId}>Version {formatCount(item.version)}</h3>
      <dl class="facts">
        {item.time !== undefined && (
          <div>
            <dt>Event time</dt>
            <dd>
              <TimeStamp iso={item.time} />
              {item.time_replaced !== undefined && (
                <span class="note">
                  {' '}
                  (sent <TimeStamp iso={item.time_replaced} />, over an hour ahead: receipt time
                  used)
                </span>
              )}
            </dd>
          </div>
        )}
        <div>
          <dt>Received</dt>
          <dd>
            <TimeStamp iso={item.received_at} />
          </dd>
        </div>
        <div>
          <dt>Applied</dt>
          <dd>
            <TimeStamp iso={item.applied_at} />
          </dd>
        </div>
        <div>
          <dt>insert_id</dt>
          <dd>{item.insert_id === undefined ? <em>none</em> : <code>{item.insert_id}</code>}</dd>
        </div>
      </dl>
      {Object.keys(item.changes).length === 0 ? (
        <p class="summary">No property changed.</p>
      ) : (
        <ChangesTable changes={item.changes} />
      )}
      {item.skipped.length > 0 && (
        <div class="skipped">
          <h4>Skipped</h4>
          <ul>
            {item.skipped.map((s, i) => (
              <li key={i}>
                <code>{s.op}</code> of <code>{s.property}</code>: {s.reason}
              </li>
            ))}
          </ul>
        </div>
      )}
      <div class="entry-tools">
        <button type="button" aria-expanded={showSent} onClick={() => setShowSent(!showSent)}>
          {showSent ? 'Hide what was sent' : 'Show what was sent'}
        </button>
        <button
          type="button"
          onClick={() => onShowAt(byEventTime ? (item.time ?? item.received_at) : item.received_at)}
        >
          Properties at this point
        </button>
      </div>
      {showSent && <JsonTree value={item.group_properties} label="group_properties as sent" />}
    </article>
  );
}
