import type { ProjectWithKeys } from '@groupidentify/store';
import type { WorkerConfig } from '@groupidentify/worker';

/** The settings another process needs to reach the same stack. */
export type SharedSettings = Pick<
  WorkerConfig,
  'REDIS_URL' | 'MONGO_URL' | 'QUEUE_PREFIX' | 'PARTITIONS'
>;

/** Variables a second process needs to reach the same stack, where they differ from defaults. */
function envExports(settings: SharedSettings): string[] {
  const { REDIS_URL, MONGO_URL, QUEUE_PREFIX, PARTITIONS } = settings;
  const defaults: [string, string, string][] = [
    ['REDIS_URL', REDIS_URL, 'redis://127.0.0.1:6379'],
    ['MONGO_URL', MONGO_URL, 'mongodb://127.0.0.1:27017/groupidentify'],
    ['QUEUE_PREFIX', QUEUE_PREFIX, 'gi'],
    ['PARTITIONS', String(PARTITIONS), '16'],
  ];
  const differ = defaults.filter(([, value, fallback]) => value !== fallback);
  return differ.length === 0
    ? []
    : [`  export ${differ.map(([name, value]) => `${name}=${value}`).join(' ')}`];
}

/**
 * What a user needs once the stack is up: the demo keys, an ingest curl as in Amplitude's
 * Group Identify docs, a read-back curl (docs/api.md), each process's Prometheus metrics (on their
 * own ports, not the public one) and how to reach the same stack from elsewhere.
 */
export function banner(
  project: ProjectWithKeys,
  base: string,
  port: number,
  settings: SharedSettings,
  metrics: readonly { label: string; metricsUrl?: string | undefined }[] = [],
): string {
  const scraped = metrics.flatMap((m) =>
    m.metricsUrl === undefined ? [] : [`  ${`${m.label}:`.padEnd(10)} ${m.metricsUrl}`],
  );
  const identification = JSON.stringify([
    { group_type: 'org', group_value: 'Acme', group_properties: { plan: 'enterprise' } },
  ]);
  return [
    '',
    `Demo project "${project.name}" (id ${project.id})`,
    `  api_key:    ${project.api_key}`,
    `  secret_key: ${project.secret_key}`,
    '',
    'Send a group identification:',
    `  curl --data 'api_key=${project.api_key}' --data 'identification=${identification}' ${base}/groupidentify`,
    '',
    'Read it back:',
    `  curl -u ${project.api_key}:${project.secret_key} ${base}/api/groups/org/Acme`,
    '',
    'Or look at it in the console (sign in with the keys above):',
    `  ${base}/console/`,
    '',
    ...(scraped.length === 0 ? [] : ['Prometheus metrics (on their own ports):', ...scraped, '']),
    'Alongside it, from another terminal:',
    ...envExports(settings),
    '  npm run cli -- project list',
    '  npm run start:worker                 # one more worker',
    `  ${`PORT=${port + 1} npm run start:ingest`.padEnd(36)} # one more ingest`,
    '',
    'Ctrl-C stops everything the stack started.',
    '',
  ].join('\n');
}
