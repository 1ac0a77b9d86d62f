// For tests and the local stack: build the app in-process with real clients.
export { createApp, type AppDeps } from './app.js';
export { ingestSettingNames, loadConfig, type IngestConfig } from './config.js';
export { startIngest, type IngestService } from './ingest-service.js';
export { openApiDocument } from './openapi-document.js';
