export { freePort, isPortInUse } from './free-port.js';
export { uniqueName, withDatabase } from './unique-name.js';
export { pollUntil, type PollOptions } from './poll.js';
export { logTail } from './log-tail.js';
export type { LocalServer } from './local-server.js';
export { startRedis, type RedisOptions, type RedisServer } from './redis-server.js';
export { redisPing } from './redis-ping.js';
export {
  chooseFerretdbBackend,
  startMongo,
  type FerretdbBackend,
  type MongoOptions,
  type MongoServer,
} from './mongo-server.js';
export { mongoPing } from './mongo-ping.js';
export { FERRETDB_VERSION, ferretdbBinaryPath } from './ferretdb-binary.js';
export { postgresBinDir } from './postgres-server.js';
export { startServices, type Services, type ServicesOptions } from './services.js';
