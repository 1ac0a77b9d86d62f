export * from './group-known.js';
export * from './replay-dead-letters.js';
