import type { ComponentChildren } from 'preact';
import type { DestinationDetail } from '../api/destination-types';
import { TimeStamp } from '../components/time-stamp';
import { formatCount } from '../format/numbers';
import { StatusBadge } from './status-badge';

/** What the destination is, and how far delivery to it has come. */
export function DeliveryFacts({ detail }: { detail: DestinationDetail }) {
  return (
    <dl class="facts delivery-facts">
      <Fact name="Status" testId="status">
        <StatusBadge status={detail.status} />
      </Fact>
      <Fact name="Group type">{detail.group_type ?? <em>every type</em>}</Fact>
      <Fact name="Description">{detail.description ?? <em>none</em>}</Fact>
      <Fact name="Added">
        <TimeStamp iso={detail.created_at} />
      </Fact>
      <Fact name="Delivered" testId="delivered">
        {formatCount(detail.delivered)}
      </Fact>
      <Fact name="Pending" testId="pending">
        {formatCount(detail.pending)}
      </Fact>
      <Fact name="Failing since" testId="failing-since">
        {detail.failing_since === null ? (
          <em>not failing</em>
        ) : (
          <TimeStamp iso={detail.failing_since} />
        )}
      </Fact>
      <Fact name="Last error" testId="last-error">
        {detail.last_error ?? <em>none</em>}
      </Fact>
      <Fact name="id">
        <code>{detail.id}</code>
      </Fact>
    </dl>
  );
}

function Fact({
  name,
  testId,
  children,
}: {
  name: string;
  testId?: string;
  children: ComponentChildren;
}) {
  return (
    <div data-testid={testId}>
      <dt>{name}</dt>
      <dd>{children}</dd>
    </div>
  );
}
