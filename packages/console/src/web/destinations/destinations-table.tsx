import type { DestinationSummary } from '../api/destination-types';
import { TimeStamp } from '../components/time-stamp';
import { hrefOf } from '../routing/route';
import { StatusBadge } from './status-badge';

/** The project's destinations, oldest first: status, URL (to the details), type, note. */
export function DestinationsTable({ items }: { items: readonly DestinationSummary[] }) {
  return (
    <div class="table-scroll">
      <table class="destinations">
        <thead>
          <tr>
            <th scope="col">Status</th>
            <th scope="col">URL</th>
            <th scope="col">Group type</th>
            <th scope="col">Description</th>
            <th scope="col">Added</th>
          </tr>
        </thead>
        <tbody>
          {items.map((d) => (
            <tr key={d.id} data-destination={d.id}>
              <td>
                <StatusBadge status={d.status} />
                {d.failing_since !== null && (
                  <div class="hint">
                    since <TimeStamp iso={d.failing_since} />
                  </div>
                )}
              </td>
              <td class="destination-url">
                <a href={hrefOf({ view: 'destination', id: d.id })}>{d.url}</a>
              </td>
              <td>{d.group_type ?? <em class="hint">every type</em>}</td>
              <td>{d.description}</td>
              <td>
                <TimeStamp iso={d.created_at} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
