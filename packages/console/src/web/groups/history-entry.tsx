import { useState } from 'preact/hooks';
import type { Change, HistoryItem } from '../api/types';
import { JsonTree } from '../components/json-tree';
import { TimeStamp } from '../components/time-stamp';
import { ValueText } from '../components/value-text';
import { formatCount } from '../format/numbers';

interface Props {
  item: HistoryItem;
  onShowAt: (iso: string) => void;
}

/** One identification: what it changed (from → to), what it skipped and why, and what was sent. */
export function HistoryEntry({ item, onShowAt }: Props) {
  const [showSent, setShowSent] = useState(false);
  const changes = Object.entries(item.changes);
  const titleId = `version-${item.version}`;
  return (
    <article class="history-entry" aria-labelledby={titleId}>
      <h3 id={titleId}>Version {formatCount(item.version)}</h3>
      <dl class="facts">
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
      {changes.length === 0 ? (
        <p class="summary">No property changed.</p>
      ) : (
        <div class="table-scroll">
          <table class="changes">
            <caption>Changes</caption>
            <thead>
              <tr>
                <th scope="col">Property</th>
                <th scope="col">From</th>
                <th scope="col">To</th>
              </tr>
            </thead>
            <tbody>
              {changes.map(([name, change]) => (
                <tr key={name}>
                  <th scope="row">{name}</th>
                  <td>
                    <Side change={change} side="from" />
                  </td>
                  <td>
                    <Side change={change} side="to" />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
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
        <button type="button" onClick={() => onShowAt(item.received_at)}>
          Properties at this point
        </button>
      </div>
      {showSent && <JsonTree value={item.group_properties} label="group_properties as sent" />}
    </article>
  );
}

/** One side of a change: the value, "absent" (new or removed), or why history did not keep it. */
function Side({ change, side }: { change: Change; side: 'from' | 'to' }) {
  if (change.omitted?.includes(side) === true) return <em>too large to keep in history</em>;
  const value = change[side];
  return value === undefined ? <em>absent</em> : <ValueText value={value} />;
}
