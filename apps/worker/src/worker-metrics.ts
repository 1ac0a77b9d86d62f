import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The worker's Prometheus metrics (docs/operations.md), on a registry of its own. */
export interface WorkerMetrics {
  registry: Registry;
  applied: Counter;
  jobs: Counter<'result'>;
  batchSize: Histogram;
  applySeconds: Histogram;
  applyTurnWaitSeconds: Histogram;
  stepSeconds: Histogram<'step'>;
  lagSeconds: Histogram;
  retries: Counter;
  deadLetters: Counter;
  erasuresDeadLettered: Counter;
  duplicates: Counter;
  deliveries: Counter<'result'>;
}

export function createWorkerMetrics(): WorkerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    applied: new Counter({
      name: 'gi_worker_identifications_applied_total',
      help: 'Identifications applied',
      registers,
    }),
    jobs: new Counter({
      name: 'gi_worker_jobs_total',
      help: 'Jobs processed, by result',
      labelNames: ['result'],
      registers,
    }),
    batchSize: new Histogram({
      name: 'gi_worker_batch_size',
      help: 'Identifications per batch (a job, and the jobs waiting behind it applied with it)',
      buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000],
      registers,
    }),
    applySeconds: new Histogram({
      name: 'gi_worker_apply_duration_seconds',
      help: 'Time to apply one batch (dedup, read, fold, write)',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    applyTurnWaitSeconds: new Histogram({
      name: 'gi_worker_apply_turn_wait_seconds',
      help: 'Time a partition waited for one of the APPLY_AT_ONCE turns before applying a batch',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    stepSeconds: new Histogram({
      name: 'gi_worker_step_seconds',
      help: 'Time of each store step of applying a batch: claims, read, history, write, dead_letters',
      labelNames: ['step'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    lagSeconds: new Histogram({
      name: 'gi_worker_lag_seconds',
      help: 'Accepted by ingest → applied to the store, per identification',
      // Every 100 ms up to 2 s: the lag targets (docs/performance.md) are read from here.
      buckets: [
        0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1, 1.1, 1.2, 1.3, 1.4, 1.5,
        1.6, 1.7, 1.8, 1.9, 2, 2.5, 3, 5, 10, 30, 60,
      ],
      registers,
    }),
    retries: new Counter({
      name: 'gi_worker_retries_total',
      help: 'Job attempts retried after a store error',
      registers,
    }),
    deadLetters: new Counter({
      name: 'gi_worker_dead_letters_total',
      help: 'Identifications dead-lettered',
      registers,
    }),
    erasuresDeadLettered: new Counter({
      name: 'gi_worker_erasures_dead_lettered_total',
      help: 'Erasures dead-lettered (alert: a group an erasure was asked for is not erased)',
      registers,
    }),
    deliveries: new Counter({
      name: 'gi_worker_webhook_attempts_total',
      help: 'Webhook deliveries attempted, by result (delivered: a 2xx answer)',
      labelNames: ['result'],
      registers,
    }),
    duplicates: new Counter({
      name: 'gi_worker_duplicates_total',
      help: 'Identifications skipped as client retries (insert_id seen)',
      registers,
    }),
  };
}
