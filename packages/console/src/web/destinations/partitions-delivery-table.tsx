import type { PartitionDelivery } from '../api/destination-types';
import { TimeStamp } from '../components/time-stamp';
import { formatCount } from '../format/numbers';

/**
 * Delivery per partition of the change feed: a failing change holds back its own partition only,
 * so this says which one is stuck, since when, and when it is tried again.
 */
export function PartitionsDeliveryTable({
  partitions,
}: {
  partitions: readonly PartitionDelivery[];
}) {
  if (partitions.length === 0) return null;
  return (
    <div class="table-scroll">
      <table class="delivery-partitions">
        <caption>Per partition</caption>
        <thead>
          <tr>
            <th scope="col" class="number">
              Partition
            </th>
            <th scope="col" class="number">
              Position
            </th>
            <th scope="col" class="number">
              Delivered
            </th>
            <th scope="col" class="number">
              Attempts
            </th>
            <th scope="col">Failing since</th>
            <th scope="col">Next try</th>
            <th scope="col">Last error</th>
          </tr>
        </thead>
        <tbody>
          {partitions.map((p) => (
            <tr key={p.partition}>
              <td class="number">{p.partition}</td>
              <td class="number">{formatCount(p.position)}</td>
              <td class="number">{formatCount(p.delivered)}</td>
              <td class="number">{formatCount(p.attempts)}</td>
              <td>{p.failing_since === null ? '—' : <TimeStamp iso={p.failing_since} />}</td>
              <td>{p.retry_at === null ? '—' : <TimeStamp iso={p.retry_at} />}</td>
              <td>{p.last_error ?? '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
