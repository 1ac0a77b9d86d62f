import { useState } from 'preact/hooks';
import type { CreatedDestination, DestinationSummary } from '../api/destination-types';
import type { ReadApi } from '../api/read-api';
import { ErrorMessage } from '../components/error-message';
import { formatCount } from '../format/numbers';
import { usePolled } from '../hooks/use-polled';
import { AddDestinationForm } from './add-destination-form';
import { DestinationsTable } from './destinations-table';
import { NewSecret } from './new-secret';

/** How often the list is read again: a destination can start failing at any time. */
const POLL_MS = 5_000;

/**
 * The project's webhook destinations (`GET /api/destinations`, read again every 5 s and on
 * Refresh), and the form to add one, which shows the new destination's secret once.
 */
export function DestinationsView({ api }: { api: ReadApi }) {
  const list = usePolled(() => api.destinations.list(), 'destinations', POLL_MS);
  const [created, setCreated] = useState<CreatedDestination>();

  return (
    <section aria-labelledby="destinations-title">
      <div class="title-row">
        <h1 id="destinations-title" tabIndex={-1}>
          Destinations
        </h1>
        <div class="actions">
          <button type="button" onClick={list.refresh}>
            Refresh
          </button>
        </div>
      </div>
      <p class="hint">
        Each change of the project’s change feed is POSTed, signed, to every destination whose group
        type it matches, in version order per group, and retried until delivered.
      </p>
      <p class="summary" role="status" data-testid="destinations-summary">
        {summaryOf(list.value)}
      </p>
      <ErrorMessage error={list.error} />
      {list.value !== undefined && list.value.length > 0 && (
        <DestinationsTable items={list.value} />
      )}
      {created === undefined ? (
        <AddDestinationForm
          api={api.destinations}
          onCreated={(destination) => {
            setCreated(destination);
            list.refresh();
          }}
        />
      ) : (
        <NewSecret destination={created} onDone={() => setCreated(undefined)} />
      )}
    </section>
  );
}

function summaryOf(items: readonly DestinationSummary[] | undefined): string {
  if (items === undefined) return 'Loading…';
  if (items.length === 0) return 'No destinations yet: add one below.';
  const parts = [`${formatCount(items.length)} destination${items.length === 1 ? '' : 's'}`];
  for (const status of ['failing', 'paused'] as const) {
    const n = items.filter((d) => d.status === status).length;
    if (n > 0) parts.push(`${formatCount(n)} ${status}`);
  }
  return parts.join(' · ');
}
