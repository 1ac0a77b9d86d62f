import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The ingest app's Prometheus metrics (docs/operations.md), on a registry of its own. */
export interface IngestMetrics {
  registry: Registry;
  requests: Counter<'route' | 'status'>;
  accepted: Counter;
  enqueueSeconds: Histogram;
  backlog: Gauge<'partition'>;
  /** Calls of other platforms' APIs that are not group calls: answered, ignored, counted. */
  ignoredEvents: Counter<'platform'>;
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
    backlog: new Gauge({
      name: 'gi_backlog_jobs',
      help: 'Waiting jobs per partition (the consumers lag behind by this much)',
      labelNames: ['partition'],
      registers: [registry],
    }),
    ignoredEvents: new Counter({
      name: 'gi_ignored_events_total',
      help: 'Events of other analytics platforms that are not group calls (answered and ignored)',
      labelNames: ['platform'],
      registers: [registry],
    }),
  };
}
