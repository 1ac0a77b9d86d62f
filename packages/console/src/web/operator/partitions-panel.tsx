import type { AdminApi } from '../api/admin-api';
import { ErrorMessage } from '../components/error-message';
import { TimeStamp } from '../components/time-stamp';
import { formatCount, formatSeconds } from '../format/numbers';
import { largest, seriesOf, total, type Sample } from './rolling-window';
import { Sparkline } from './sparkline';
import { usePartitionSamples } from './use-partition-samples';

const POLL_MS = 2000;
const WINDOW_MS = 5 * 60_000;

/**
 * Backlog and lag of every partition over the last minutes: ingest's own figures (the ones
 * `/metrics` publishes as gi_backlog_jobs and gi_partition_oldest_job_age_seconds).
 */
export function PartitionsPanel({ api }: { api: AdminApi }) {
  const { samples, error } = usePartitionSamples(api, POLL_MS, WINDOW_MS);
  const latest = samples.at(-1);
  const now = latest?.at ?? Date.now();
  const backlog = seriesOf(samples, (s) => s.backlog, total);
  const lag = seriesOf(samples, (s) => s.oldestAgeSeconds, largest);
  return (
    <section class="panel" aria-labelledby="partitions-title">
      <h2 id="partitions-title">Partitions</h2>
      <p class="summary" data-testid="sample-count">
        Every {POLL_MS / 1000} s, the last {WINDOW_MS / 60_000} minutes ·{' '}
        {formatCount(samples.length)} sample{samples.length === 1 ? '' : 's'}
        {latest !== undefined && (
          <>
            {' '}
            · updated <TimeStamp iso={new Date(latest.at).toISOString()} />
          </>
        )}
      </p>
      <ErrorMessage error={error} />
      <div class="charts">
        <WindowChart
          title="Waiting jobs, all partitions"
          points={backlog}
          now={now}
          tone="backlog"
          format={formatCount}
        />
        <WindowChart
          title="Oldest waiting job, any partition"
          points={lag}
          now={now}
          tone="lag"
          format={formatSeconds}
        />
      </div>
      {latest !== undefined && <PartitionTable samples={samples} latest={latest} now={now} />}
    </section>
  );
}

interface ChartProps {
  title: string;
  points: { at: number; value: number }[];
  now: number;
  tone: 'backlog' | 'lag';
  format: (value: number) => string;
}

/** One figure over the window: its value now and its peak in words, the line below them. */
function WindowChart({ title, points, now, tone, format }: ChartProps) {
  const current = points.at(-1)?.value ?? 0;
  const peak = Math.max(0, ...points.map((p) => p.value));
  return (
    <figure class="chart">
      <figcaption>
        {title}: <strong>{format(current)}</strong> <span class="hint">(peak {format(peak)})</span>
      </figcaption>
      <Sparkline
        points={points}
        windowMs={WINDOW_MS}
        now={now}
        size="large"
        tone={tone}
        label={`${title} over the last 5 minutes: now ${format(current)}, peak ${format(peak)}`}
      />
      <div class="chart-axis" aria-hidden="true">
        <span>5 min ago</span>
        <span>now</span>
      </div>
    </figure>
  );
}

function PartitionTable({
  samples,
  latest,
  now,
}: {
  samples: readonly Sample[];
  latest: Sample;
  now: number;
}) {
  return (
    <div class="table-scroll">
      <table class="partitions">
        <thead>
          <tr>
            <th scope="col" class="number">
              Partition
            </th>
            <th scope="col" class="number">
              Waiting jobs
            </th>
            <th scope="col" class="number">
              Oldest waited
            </th>
            <th scope="col">Waiting jobs, 5 min</th>
            <th scope="col">Oldest waited, 5 min</th>
          </tr>
        </thead>
        <tbody>
          {latest.backlog.map((count, p) => {
            const age = latest.oldestAgeSeconds[p] ?? 0;
            return (
              <tr key={p} data-partition={p}>
                <th scope="row" class="number">
                  {p}
                </th>
                <td class="number" data-testid="backlog">
                  {formatCount(count)}
                </td>
                <td class="number" data-testid="oldest-age">
                  {formatSeconds(age)}
                </td>
                <td>
                  <Sparkline
                    points={samples.map((s) => ({ at: s.at, value: s.backlog[p] ?? 0 }))}
                    windowMs={WINDOW_MS}
                    now={now}
                    tone="backlog"
                    label={`Partition ${p}: waiting jobs over the last 5 minutes`}
                  />
                </td>
                <td>
                  <Sparkline
                    points={samples.map((s) => ({ at: s.at, value: s.oldestAgeSeconds[p] ?? 0 }))}
                    windowMs={WINDOW_MS}
                    now={now}
                    tone="lag"
                    label={`Partition ${p}: age of the oldest waiting job over the last 5 minutes`}
                  />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
