import { pino } from 'pino';
import { boundHeapGrowth, runServiceMain } from '@groupidentify/service-runtime';
import { loadConfig } from './config.js';
import { startIngest } from './ingest-service.js';

runServiceMain(async () => {
  const config = loadConfig(process.env);
  boundHeapGrowth(config.HEAP_GROWING_PERCENT);
  const logger = pino({ level: config.LOG_LEVEL, base: { app: 'ingest' } });
  return { service: await startIngest(config, logger), logger };
});
