import type { Change } from '../api/types';
import { ValueText } from './value-text';

interface Props {
  /** Each property that changed, by name. */
  changes: Record<string, Change>;
  caption?: string;
}

/**
 * What an identification changed, a row per property: from → to, each side the value as JSON,
 * "absent" (the property was new, or removed) or why history did not keep it. The group page's
 * history and the live list of changes show changes alike.
 */
export function ChangesTable({ changes, caption = 'Changes' }: Props) {
  return (
    <div class="table-scroll">
      <table class="changes">
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Property</th>
            <th scope="col">From</th>
            <th scope="col">To</th>
          </tr>
        </thead>
        <tbody>
          {Object.entries(changes).map(([name, change]) => (
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
  );
}

/** One side of a change: the value, "absent" (new or removed), or why history did not keep it. */
function Side({ change, side }: { change: Change; side: 'from' | 'to' }) {
  if (change.omitted?.includes(side) === true) return <em>too large to keep in history</em>;
  const value = change[side];
  return value === undefined ? <em>absent</em> : <ValueText value={value} />;
}
