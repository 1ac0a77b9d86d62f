import { pino } from 'pino';
import { runServiceMain } from '@groupidentify/service-runtime';
import { loadConfig } from './config.js';
import { startWorker } from './worker-service.js';

runServiceMain(async () => {
  const config = loadConfig(process.env);
  const logger = pino({ level: config.LOG_LEVEL, base: { app: 'worker' } });
  return { service: await startWorker(config, logger), logger };
});
