export * from './documents.js';
export * from './collections.js';
