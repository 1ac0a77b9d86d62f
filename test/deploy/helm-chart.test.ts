import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { SHUTDOWN_DEADLINE_MS } from '@groupidentify/service-runtime';
import { createIngestMetrics } from '../../apps/ingest/src/metrics.js';
import { validateObject } from './kubernetes-schema.js';

const CHART = fileURLToPath(new URL('../../deploy/helm/groupidentify', import.meta.url));
const RELEASE = 'gi';
const NAMESPACE = 'groupidentify';
const FULLNAME = 'gi-groupidentify';

/** The Helm that `scripts/setup.sh --with-helm` built. */
function helmBinary(): string {
  const tools = process.env['GROUPIDENTIFY_TOOLS'] ?? join(homedir(), '.cache/groupidentify/bin');
  const bin = join(tools, 'helm-v3.21.4');
  if (!existsSync(bin))
    throw new Error(`no helm: run bash scripts/setup.sh --with-helm (expected ${bin})`);
  return bin;
}
const HELM = helmBinary();

function helm(args: string[]): string {
  return execFileSync(HELM, args, {
    cwd: CHART,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** What `helm` printed on stderr when it failed (the test fails if it did not). */
function helmError(args: string[]): string {
  try {
    helm(args);
  } catch (err) {
    return String((err as { stderr?: unknown }).stderr);
  }
  throw new Error(`helm ${args.join(' ')} succeeded`);
}

interface Container {
  name: string;
  env?: {
    name: string;
    value?: string;
    valueFrom?: { secretKeyRef?: { name: string; key: string } };
  }[];
  ports?: { name: string; containerPort: number }[];
  readinessProbe?: { httpGet?: { path: string; port: string } };
  livenessProbe?: { httpGet?: { path: string; port: string } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: Record<string, unknown>;
  volumeMounts?: { name: string; mountPath: string }[];
}
interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  stringData?: Record<string, string>;
}
interface PodSpec {
  terminationGracePeriodSeconds?: number;
  securityContext?: Record<string, unknown>;
  volumes?: { name: string; emptyDir?: unknown }[];
  containers: Container[];
}

/** `helm template` of the chart with `args`, as objects. */
function render(args: string[] = []): K8sObject[] {
  const text = helm(['template', RELEASE, '.', '--namespace', NAMESPACE, ...args]);
  return parseAllDocuments(text).flatMap((doc) => {
    if (doc.errors.length > 0) throw new Error(doc.errors.map((e) => e.message).join('\n'));
    const object = doc.toJS() as K8sObject | null;
    return object === null ? [] : [object];
  });
}

function countKinds(objects: K8sObject[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const o of objects) counts[o.kind] = (counts[o.kind] ?? 0) + 1;
  return counts;
}

function find(objects: K8sObject[], kind: string, name: string): K8sObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (found === undefined) throw new Error(`no ${kind} ${name}`);
  return found;
}

function podSpec(deployment: K8sObject): PodSpec {
  return (deployment.spec as { template: { spec: PodSpec } }).template.spec;
}

function container(deployment: K8sObject): Container {
  const [first] = podSpec(deployment).containers;
  if (first === undefined) throw new Error(`${deployment.metadata.name} has no container`);
  return first;
}

function env(c: Container, name: string) {
  return c.env?.find((e) => e.name === name);
}

const PROFILES = {
  default: [] as string[],
  cluster: ['-f', 'values-cluster.yaml'],
};

describe('the Helm chart deploy/helm/groupidentify', () => {
  it('documents every value of values.yaml in its README', () => {
    const readme = readFileSync(join(CHART, 'README.md'), 'utf8');
    const values = parse(readFileSync(join(CHART, 'values.yaml'), 'utf8')) as unknown;
    /** Paths the README does not name, looking inside maps whose own path it does not name. */
    const undocumented = (value: unknown, path: string): string[] => {
      if (path !== '' && readme.includes(`\`${path}\``)) return [];
      if (value === null || typeof value !== 'object' || Array.isArray(value)) return [path];
      return Object.entries(value).flatMap(([key, child]) =>
        undocumented(child, path === '' ? key : `${path}.${key}`),
      );
    };
    expect(undocumented(values, '')).toEqual([]);
  });

  it.each(Object.entries(PROFILES))('passes helm lint --strict (%s profile)', (_name, args) => {
    expect(helm(['lint', '.', '--strict', ...args])).toContain('0 chart(s) failed');
  });

  it.each(Object.entries(PROFILES))(
    'renders only objects that match their schema, with no unknown field (%s profile)',
    (_name, args) => {
      const objects = render(args);
      expect(objects.length).toBeGreaterThan(0);
      for (const object of objects)
        expect(validateObject(object), `${object.kind} ${object.metadata.name}`).toEqual([]);
    },
  );

  it('schema check: rejects a misspelt field, a wrong type and an unknown kind', () => {
    const objects = render(PROFILES.cluster);
    /** The problems of the first `kind` once `key` is set to `value` in the object at `path`. */
    const withField = (kind: string, path: string, key: string, value: unknown) => {
      const copy = structuredClone(objects.find((o) => o.kind === kind));
      let target: unknown = copy;
      for (const step of path.split('/').filter(Boolean))
        target = (target as Record<string, unknown>)[step];
      (target as Record<string, unknown>)[key] = value;
      return validateObject(copy);
    };
    const pod = '/spec/template/spec/containers/0';
    expect(withField('Deployment', pod, 'readinesProbe', { httpGet: { path: '/readyz' } })).toEqual(
      [`unknown field ${pod}/readinesProbe`],
    );
    expect(withField('ScaledObject', '/spec/triggers/0', 'metricsType', 'Value')).toEqual([
      'unknown field /spec/triggers/0/metricsType',
    ]);
    expect(withField('ServiceMonitor', '/spec/endpoints/0', 'intervall', '1s')).toEqual([
      'unknown field /spec/endpoints/0/intervall',
    ]);
    expect(withField('PrometheusRule', '/spec/groups/0/rules/0', 'recrd', 'x')).toEqual([
      'unknown field /spec/groups/0/rules/0/recrd',
    ]);
    expect(withField('HorizontalPodAutoscaler', '/spec', 'maxReplicas', 'ten').join()).toContain(
      'maxReplicas must be integer',
    );
    expect(
      validateObject({ apiVersion: 'v1', kind: 'ConfigMapp', metadata: { name: 'x' } }),
    ).toEqual(['no schema for v1 ConfigMapp']);
  });

  describe('default profile (one Redis, MongoDB replica set, KEDA)', () => {
    const objects = render();

    it('renders the expected objects', () => {
      expect(countKinds(objects)).toEqual({
        Deployment: 2,
        Service: 3,
        HorizontalPodAutoscaler: 1,
        ScaledObject: 1,
        PodDisruptionBudget: 2,
        Secret: 1,
      });
    });

    it('probes ingest on /readyz and /healthz of its public port, the worker on its metrics port', () => {
      const ingest = container(find(objects, 'Deployment', `${FULLNAME}-ingest`));
      expect(ingest.ports).toEqual([
        { name: 'http', containerPort: 8080, protocol: 'TCP' },
        { name: 'metrics', containerPort: 9465, protocol: 'TCP' },
      ]);
      expect(ingest.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'http' });
      expect(ingest.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'http' });
      const worker = container(find(objects, 'Deployment', `${FULLNAME}-worker`));
      expect(worker.ports).toEqual([{ name: 'metrics', containerPort: 9464, protocol: 'TCP' }]);
      expect(worker.readinessProbe?.httpGet).toEqual({ path: '/healthz', port: 'metrics' });
      expect(worker.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'metrics' });
      expect(env(ingest, 'METRICS_PORT')?.value).toBe('9465');
      expect(env(ingest, 'PORT')?.value).toBe('8080');
      expect(env(worker, 'METRICS_PORT')?.value).toBe('9464');
    });

    it('runs both apps as the image’s non-root user on a read-only root, /tmp an emptyDir', () => {
      for (const name of ['ingest', 'worker']) {
        const deployment = find(objects, 'Deployment', `${FULLNAME}-${name}`);
        const pod = podSpec(deployment);
        const c = container(deployment);
        expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
        expect(c.securityContext).toMatchObject({
          runAsNonRoot: true,
          readOnlyRootFilesystem: true,
          allowPrivilegeEscalation: false,
          capabilities: { drop: ['ALL'] },
        });
        expect(pod.volumes).toContainEqual({ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } });
        expect(c.volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
        expect(Object.keys(c.resources?.requests ?? {}).sort()).toEqual(['cpu', 'memory']);
        expect(Object.keys(c.resources?.limits ?? {}).sort()).toEqual(['cpu', 'memory']);
      }
    });

    it('gives the apps more time to stop than their shutdown deadline (plus the preStop pause)', () => {
      const ingest = find(objects, 'Deployment', `${FULLNAME}-ingest`);
      const preStop = (
        container(ingest) as { lifecycle?: { preStop?: { exec?: { command: string[] } } } }
      ).lifecycle?.preStop?.exec?.command;
      expect(preStop).toEqual(['sleep', '5']);
      for (const name of ['ingest', 'worker']) {
        const grace = podSpec(
          find(objects, 'Deployment', `${FULLNAME}-${name}`),
        ).terminationGracePeriodSeconds;
        expect(grace).toBeGreaterThan(SHUTDOWN_DEADLINE_MS / 1000 + 5);
      }
    });

    it('takes REDIS_URL and MONGO_URL from the Secret it renders, and shared settings as env', () => {
      const secret = find(objects, 'Secret', `${FULLNAME}-connections`);
      expect(Object.keys(secret.stringData ?? {}).sort()).toEqual(['MONGO_URL', 'REDIS_URL']);
      expect(secret.stringData?.['MONGO_URL']).toMatch(/^mongodb:\/\/.*replicaSet=rs0/);
      for (const name of ['ingest', 'worker']) {
        const c = container(find(objects, 'Deployment', `${FULLNAME}-${name}`));
        for (const key of ['REDIS_URL', 'MONGO_URL'])
          expect(env(c, key)?.valueFrom?.secretKeyRef).toEqual({
            name: `${FULLNAME}-connections`,
            key,
          });
        expect(env(c, 'REDIS_CLUSTER_NODES')).toBeUndefined();
        expect(env(c, 'PARTITIONS')?.value).toBe('16');
        expect(env(c, 'QUEUE_PREFIX')?.value).toBe('gi');
      }
    });

    it('scales ingest on CPU and the workers with KEDA on the summed backlog gauge', () => {
      const hpa = find(objects, 'HorizontalPodAutoscaler', `${FULLNAME}-ingest`);
      expect(hpa.spec).toMatchObject({
        scaleTargetRef: { kind: 'Deployment', name: `${FULLNAME}-ingest` },
        metrics: [{ type: 'Resource', resource: { name: 'cpu' } }],
      });
      const scaled = find(objects, 'ScaledObject', `${FULLNAME}-worker`);
      expect(scaled.spec).toMatchObject({
        scaleTargetRef: { name: `${FULLNAME}-worker` },
        minReplicaCount: 1,
        maxReplicaCount: 8,
        triggers: [
          {
            type: 'prometheus',
            metadata: {
              query: `sum(max by (partition) (gi_backlog_jobs{namespace="${NAMESPACE}",service="${FULLNAME}-ingest-metrics"}))`,
              threshold: '200',
            },
          },
        ],
      });
      // Neither Deployment pins a replica count that its autoscaler would fight.
      expect(find(objects, 'Deployment', `${FULLNAME}-ingest`).spec?.['replicas']).toBeUndefined();
      expect(find(objects, 'Deployment', `${FULLNAME}-worker`).spec?.['replicas']).toBeUndefined();
      // The Service the query names exists and carries ingest's metrics port.
      const metrics = find(objects, 'Service', `${FULLNAME}-ingest-metrics`);
      expect(metrics.spec?.['ports']).toEqual([
        { name: 'metrics', port: 9465, targetPort: 'metrics', protocol: 'TCP' },
      ]);
    });

    it('queries a gauge that ingest really exports, per partition', async () => {
      const metrics = createIngestMetrics();
      metrics.backlog.set({ partition: '3' }, 7);
      const text = await metrics.registry.metrics();
      expect(text).toContain('gi_backlog_jobs{partition="3"} 7');
    });

    it('guards both Deployments with a PodDisruptionBudget', () => {
      expect(find(objects, 'PodDisruptionBudget', `${FULLNAME}-ingest`).spec).toMatchObject({
        minAvailable: 1,
        selector: { matchLabels: { 'app.kubernetes.io/component': 'ingest' } },
      });
      expect(find(objects, 'PodDisruptionBudget', `${FULLNAME}-worker`).spec).toMatchObject({
        maxUnavailable: 1,
        selector: { matchLabels: { 'app.kubernetes.io/component': 'worker' } },
      });
    });
  });

  describe('cluster profile (Redis Cluster, mongodb+srv, Prometheus Operator)', () => {
    const objects = render(PROFILES.cluster);

    it('renders the expected objects, and no Secret (it uses an existing one)', () => {
      expect(countKinds(objects)).toEqual({
        Deployment: 2,
        Service: 3,
        HorizontalPodAutoscaler: 1,
        ScaledObject: 1,
        PodDisruptionBudget: 2,
        ServiceMonitor: 1,
        PrometheusRule: 1,
      });
    });

    it('in sentinel mode, asks the Sentinels for the master, with REDIS_URL for its password', () => {
      const sentinel = render([
        '--set',
        'connections.redisMode=sentinel',
        '--set',
        'connections.redisSentinels=sentinel-0:26379\\,sentinel-1:26379',
      ]);
      for (const name of ['ingest', 'worker']) {
        const c = container(find(sentinel, 'Deployment', `${FULLNAME}-${name}`));
        expect(env(c, 'REDIS_SENTINELS')?.value).toBe('sentinel-0:26379,sentinel-1:26379');
        expect(env(c, 'REDIS_SENTINEL_MASTER')?.value).toBe('mymaster');
        expect(env(c, 'REDIS_URL')?.valueFrom?.secretKeyRef?.key).toBe('REDIS_URL');
      }
      expect(
        helmError(['template', RELEASE, '.', '--set', 'connections.redisMode=sentinel']),
      ).toContain('connections.redisSentinels');
    });

    it('reads REDIS_CLUSTER_NODES and MONGO_URL from the existing Secret', () => {
      for (const name of ['ingest', 'worker']) {
        const c = container(find(objects, 'Deployment', `${FULLNAME}-${name}`));
        for (const key of ['REDIS_CLUSTER_NODES', 'MONGO_URL'])
          expect(env(c, key)?.valueFrom?.secretKeyRef).toEqual({
            name: 'groupidentify-connections',
            key,
          });
        expect(env(c, 'REDIS_URL')).toBeUndefined();
        expect(env(c, 'PARTITIONS')?.value).toBe('32');
      }
    });

    it('runs more replicas', () => {
      expect(find(objects, 'HorizontalPodAutoscaler', `${FULLNAME}-ingest`).spec).toMatchObject({
        minReplicas: 3,
        maxReplicas: 20,
      });
      expect(find(objects, 'ScaledObject', `${FULLNAME}-worker`).spec).toMatchObject({
        minReplicaCount: 2,
        maxReplicaCount: 16,
      });
      expect(
        find(objects, 'PodDisruptionBudget', `${FULLNAME}-ingest`).spec?.['minAvailable'],
      ).toBe(2);
    });

    it('scrapes both metrics Services (not the public one) with a ServiceMonitor', () => {
      const monitor = find(objects, 'ServiceMonitor', FULLNAME);
      expect(monitor.spec).toMatchObject({
        selector: { matchLabels: { 'groupidentify.io/metrics': 'true' } },
        endpoints: [{ port: 'metrics', path: '/metrics' }],
      });
      const scraped = objects.filter(
        (o) => o.kind === 'Service' && o.metadata.labels?.['groupidentify.io/metrics'] === 'true',
      );
      expect(scraped.map((s) => s.metadata.name).sort()).toEqual([
        `${FULLNAME}-ingest-metrics`,
        `${FULLNAME}-worker-metrics`,
      ]);
    });

    it('renders the rule groups of its values into the PrometheusRule', () => {
      const rule = find(objects, 'PrometheusRule', FULLNAME);
      expect(JSON.stringify(rule.spec)).toContain('groupidentify:backlog_jobs:sum');
    });
  });

  describe('other settings', () => {
    it('runs a fixed number of workers when KEDA is off', () => {
      const objects = render([
        '--set',
        'worker.keda.enabled=false',
        '--set',
        'worker.replicaCount=3',
      ]);
      expect(objects.some((o) => o.kind === 'ScaledObject')).toBe(false);
      expect(find(objects, 'Deployment', `${FULLNAME}-worker`).spec?.['replicas']).toBe(3);
    });

    it('adds the groups of a rule file given with --set-file', () => {
      const dir = mkdtempSync(join(tmpdir(), 'gi-helm-'));
      try {
        const file = join(dir, 'rules.yaml');
        writeFileSync(
          file,
          'groups:\n  - name: from-file\n    rules:\n      - alert: Test\n        expr: vector(1)\n',
        );
        const objects = render([
          '-f',
          'values-cluster.yaml',
          '--set-file',
          `prometheusRule.rulesFile=${file}`,
        ]);
        const groups = (
          find(objects, 'PrometheusRule', FULLNAME).spec as { groups: { name: string }[] }
        ).groups;
        expect(groups.map((g) => g.name)).toEqual(['groupidentify.recording', 'from-file']);
        for (const object of objects) expect(validateObject(object)).toEqual([]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('refuses a grace period within the shutdown deadline, and more workers than partitions', () => {
      expect(helmError(['template', '.', '--set', 'terminationGracePeriodSeconds=30'])).toContain(
        'terminationGracePeriodSeconds (30) must be above',
      );
      expect(helmError(['template', '.', '--set', 'worker.keda.maxReplicaCount=17'])).toContain(
        'worker.keda.maxReplicaCount (17) is above config.partitions (16)',
      );
      expect(helmError(['template', '.', '--set', 'ingest.env.MONGO_URL=x'])).toContain(
        'MONGO_URL is set by the chart',
      );
    });
  });
});
