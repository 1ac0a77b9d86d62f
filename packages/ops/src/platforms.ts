// The other analytics platforms' group calls, mapped onto identifications (docs/sdks.md).
export * from './platform-calls.js';
export * from './mixpanel-groups.js';
export * from './posthog-events.js';
export * from './segment-calls.js';
