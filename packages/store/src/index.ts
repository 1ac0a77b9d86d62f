export * from './documents.js';
export * from './collections.js';
export * from './project-keys.js';
export * from './find-by-ids.js';
