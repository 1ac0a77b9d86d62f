export {
  boolSetting,
  destinationSettings,
  intSetting,
  parseSettings,
  serviceSettings,
} from './settings.js';
export { SHUTDOWN_DEADLINE_MS, runServiceMain, type RunningService } from './service-main.js';
export { hostOf } from './host-of.js';
export { boundHeapGrowth, heapGrowingFlag, heapSettings } from './heap-growth.js';
export { startMetricsServer, type MetricsRegistry } from './metrics-server.js';
export { Turns } from './turns.js';
