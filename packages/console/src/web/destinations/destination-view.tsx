import { useState } from 'preact/hooks';
import type { ReadApi } from '../api/read-api';
import { ErrorMessage } from '../components/error-message';
import { TimeStamp } from '../components/time-stamp';
import { usePolled } from '../hooks/use-polled';
import { hrefOf } from '../routing/route';
import { AttemptsTable } from './attempts-table';
import { DeleteDestinationButton } from './delete-destination-button';
import { DeliveryFacts } from './delivery-facts';
import { PartitionsDeliveryTable } from './partitions-delivery-table';
import { PauseResumeButton } from './pause-resume-button';

/** How often the details are read again while the screen is open. */
const POLL_MS = 2_000;

interface Props {
  api: ReadApi;
  id: string;
}

/**
 * One destination (`GET /api/destinations/{id}`, read again every 2 s and on Refresh): what it
 * is, how far delivery has come (in all and per partition), its latest attempts; pause, resume
 * and delete.
 */
export function DestinationView({ api, id }: Props) {
  // The screen stays for the next destination (another link): remember which one went.
  const [deletedId, setDeletedId] = useState<string>();
  return (
    <section aria-labelledby="destination-title">
      <nav aria-label="Breadcrumb" class="breadcrumb">
        <ol>
          <li>
            <a href={hrefOf({ view: 'destinations' })}>Destinations</a>
          </li>
          <li aria-current="page">{id}</li>
        </ol>
      </nav>
      {deletedId === id ? (
        <>
          <h1 id="destination-title" tabIndex={-1}>
            Destination deleted
          </h1>
          <p class="outcome" role="status" data-testid="deletion">
            Deleted: nothing more is sent to it.{' '}
            <a href={hrefOf({ view: 'destinations' })}>Back to the destinations</a>
          </p>
        </>
      ) : (
        <DestinationDetails key={id} api={api} id={id} onDeleted={() => setDeletedId(id)} />
      )}
    </section>
  );
}

function DestinationDetails({ api, id, onDeleted }: Props & { onDeleted: () => void }) {
  const detail = usePolled(() => api.destinations.get(id), id, POLL_MS);
  const value = detail.value;
  return (
    <>
      <div class="title-row">
        <h1 id="destination-title" tabIndex={-1}>
          {value === undefined ? 'Destination' : value.url}
        </h1>
        <div class="actions">
          <button type="button" onClick={detail.refresh}>
            Refresh
          </button>
          {value !== undefined && (
            <>
              <PauseResumeButton api={api.destinations} detail={value} onChanged={detail.replace} />
              <DeleteDestinationButton
                api={api.destinations}
                id={id}
                url={value.url}
                onDeleted={onDeleted}
              />
            </>
          )}
        </div>
      </div>
      <p class="summary" data-testid="read-at">
        {detail.readAt === undefined ? (
          'Loading…'
        ) : (
          <>
            Read at <TimeStamp iso={detail.readAt} />; read again every {POLL_MS / 1000} s.
          </>
        )}
      </p>
      <ErrorMessage error={detail.error} />
      {value !== undefined && (
        <>
          <section class="panel" aria-labelledby="delivery-title">
            <h2 id="delivery-title">Delivery</h2>
            <DeliveryFacts detail={value} />
            <PartitionsDeliveryTable partitions={value.partitions} />
          </section>
          <AttemptsTable attempts={value.recent} />
        </>
      )}
    </>
  );
}
