// For other packages' tests: the reference model of the operation semantics and the random
// inputs the property tests use (importable as `@groupidentify/ops/testing`).
export * from './arbitraries.js';
export * from './reference-model.js';
