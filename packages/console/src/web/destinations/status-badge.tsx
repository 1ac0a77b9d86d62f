import type { DestinationStatus } from '../api/destination-types';

const MEANING: Record<DestinationStatus, string> = {
  active: 'Changes are delivered as they are applied',
  paused: 'Paused: nothing is sent until it is resumed; changes wait in the feed',
  failing: 'Failing: delivery gave up retrying; resume it to try again',
};

/** A destination's status as the API gives it, coloured: paused and failing stand out. */
export function StatusBadge({ status }: { status: DestinationStatus }) {
  return (
    <span class="status-badge" data-status={status} title={MEANING[status]}>
      {status}
    </span>
  );
}
