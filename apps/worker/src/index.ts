// For tests and the local stack: run a worker in-process with real clients.
export { loadConfig, selectedPartitions, type WorkerConfig } from './config.js';
export { startWorker, type WorkerService } from './worker-service.js';
