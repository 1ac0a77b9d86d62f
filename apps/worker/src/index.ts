// For tests, tools and the local stack: run a worker in-process with real clients, or apply one
// job's items at a position as a worker would (a redelivery is a no-op).
export { loadConfig, selectedPartitions, workerSettingNames, type WorkerConfig } from './config.js';
export { startWorker, type WorkerService } from './worker-service.js';
export { applyJob, type ApplyOutcome, type JobPosition } from './apply-items.js';
export { eventOf } from './event-order.js';
