export * from './partition.js';
export * from './queue-names.js';
export * from './job-payload.js';
export * from './redis-connection.js';
export * from './partition-count.js';
export * from './partition-jobs.js';
export * from './partition-queue.js';
export * from './connection-settings.js';
