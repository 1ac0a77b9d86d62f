import type { DeliveryAttempt } from '../api/destination-types';
import { TimeStamp } from '../components/time-stamp';
import { formatCount } from '../format/numbers';

/** The latest attempts to deliver, newest first, each with its outcome and how long it took. */
export function AttemptsTable({ attempts }: { attempts: readonly DeliveryAttempt[] }) {
  return (
    <section class="panel" aria-labelledby="attempts-title">
      <h2 id="attempts-title">Latest attempts</h2>
      {attempts.length === 0 ? (
        <p class="summary">No attempts yet.</p>
      ) : (
        <div class="table-scroll">
          <table class="attempts">
            <caption class="hint">The latest {formatCount(attempts.length)}, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">webhook-id</th>
                <th scope="col">Group type</th>
                <th scope="col" class="number">
                  Version
                </th>
                <th scope="col">Outcome</th>
                <th scope="col" class="number">
                  Duration
                </th>
              </tr>
            </thead>
            <tbody>
              {attempts.map((a, i) => (
                <tr
                  key={`${a.at} ${a.webhook_id} ${i}`}
                  data-outcome={succeeded(a) ? 'ok' : 'failed'}
                >
                  <td>
                    <TimeStamp iso={a.at} />
                  </td>
                  <td>
                    <code>{a.webhook_id}</code>
                  </td>
                  <td>{a.group_type}</td>
                  <td class="number">{formatCount(a.version)}</td>
                  <td class="attempt-outcome">{outcomeOf(a)}</td>
                  <td class="number">{formatCount(a.duration_ms)} ms</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function succeeded(a: DeliveryAttempt): boolean {
  return a.error === undefined && a.status !== undefined && a.status >= 200 && a.status < 300;
}

/** `HTTP 204`, or what went wrong (which names the status when there was one). */
function outcomeOf(a: DeliveryAttempt): string {
  if (a.error !== undefined) return a.error;
  return a.status === undefined ? 'no answer' : `HTTP ${a.status}`;
}
