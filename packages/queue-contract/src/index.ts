export * from './partition.js';
export * from './queue-names.js';
export * from './job-payload.js';
