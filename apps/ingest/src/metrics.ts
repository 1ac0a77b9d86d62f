import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The ingest app's Prometheus metrics (docs/operations.md), on a registry of its own. */
export interface IngestMetrics {
  registry: Registry;
  requests: Counter<'route' | 'status'>;
  accepted: Counter;
  enqueueSeconds: Histogram;
  /** How long answers were held back because the workers lagged (backpressure). */
  backpressureSeconds: Histogram;
  backlog: Gauge<'partition'>;
  /** Age of each partition's oldest waiting job: how far its consumer lags (0 with no backlog). */
  oldestJobAge: Gauge<'partition'>;
  /** Calls of other platforms' APIs that are not group calls: answered, ignored, counted. */
  ignoredEvents: Counter<'platform'>;
  /** Groups written to `/api/export` responses. */
  exportedGroups: Counter;
  /** Change feed readers waiting for changes now (long polls and streams). */
  changeWaiters: Gauge;
  /** Reads waiting in their project's line or for its budget now: feed pages, `where` queries. */
  budgetWaiting: Gauge<'budget'>;
  /** Reads waiting in line for one of their project's store turns now. */
  turnWaiting: Gauge;
  /** Refusals of the rate limit held now before they are answered (`RATE_LIMIT_HOLD_MS`). */
  rateLimitHeld: Gauge;
}

export function createIngestMetrics(): IngestMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    requests: new Counter({
      name: 'gi_http_requests_total',
      help: 'HTTP requests by route and status code (errors are the 4xx/5xx codes)',
      labelNames: ['route', 'status'],
      registers: [registry],
    }),
    accepted: new Counter({
      name: 'gi_identifications_accepted_total',
      help: 'Identifications durably enqueued',
      registers: [registry],
    }),
    enqueueSeconds: new Histogram({
      name: 'gi_enqueue_duration_seconds',
      help: 'Time from validation to durably enqueued, per request',
      buckets: [0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    backpressureSeconds: new Histogram({
      name: 'gi_backpressure_delay_seconds',
      help: 'How long answers were held back because the partitions written to lagged',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 1],
      registers: [registry],
    }),
    backlog: new Gauge({
      name: 'gi_backlog_jobs',
      help: 'Waiting jobs per partition (the consumers lag behind by this much)',
      labelNames: ['partition'],
      registers: [registry],
    }),
    oldestJobAge: new Gauge({
      name: 'gi_partition_oldest_job_age_seconds',
      help: 'Seconds the oldest waiting job of each partition has waited (0 when none waits)',
      labelNames: ['partition'],
      registers: [registry],
    }),
    ignoredEvents: new Counter({
      name: 'gi_ignored_events_total',
      help: 'Events of other analytics platforms that are not group calls (answered and ignored)',
      labelNames: ['platform'],
      registers: [registry],
    }),
    exportedGroups: new Counter({
      name: 'gi_exported_groups_total',
      help: 'Groups written to /api/export responses',
      registers: [registry],
    }),
    changeWaiters: new Gauge({
      name: 'gi_change_waiters',
      help: 'Change feed readers waiting for changes now (long polls and streams)',
      registers: [registry],
    }),
    budgetWaiting: new Gauge({
      name: 'gi_read_budget_waiting',
      help: "Reads waiting in their project's line or for its budget now, by budget: feed (change feed pages) or where (where queries)",
      labelNames: ['budget'],
      registers: [registry],
    }),
    turnWaiting: new Gauge({
      name: 'gi_read_turn_waiting',
      help: "Reads waiting in line for one of their project's store turns now (STORE_READS_PER_PROJECT)",
      registers: [registry],
    }),
    rateLimitHeld: new Gauge({
      name: 'gi_rate_limit_held',
      help: 'Refusals of the per-project rate limit held now before they are answered (RATE_LIMIT_HOLD_MS)',
      registers: [registry],
    }),
  };
}

/**
 * The BacklogMonitor's callback that publishes what each refresh found: waiting jobs and the age
 * of the oldest one, per partition, the figures the console's operator view charts too.
 */
export function recordBacklog(
  metrics: IngestMetrics,
): (counts: readonly number[], oldestAgesSeconds: readonly number[]) => void {
  return (counts, oldestAgesSeconds) => {
    counts.forEach((c, p) => metrics.backlog.set({ partition: String(p) }, c));
    oldestAgesSeconds.forEach((a, p) => metrics.oldestJobAge.set({ partition: String(p) }, a));
  };
}
