/**
 * Offline schema validation of rendered Kubernetes objects, with the JSON schemas that the
 * `kubernetes-models` packages compile from the Kubernetes OpenAPI document and from the KEDA and
 * Prometheus Operator CRDs.
 *
 * Those validators check the types and required fields of the fields they know, but they let any
 * other field through (the schemas do not forbid additional properties), so a misspelt field
 * (`readinesProbe`) would pass and be dropped by the API server. `validateObject` therefore also
 * watches which fields the validator reads: a field of an object that the schema never looked at
 * is not in the schema, and is reported. Objects the validator walks key by key (maps such as
 * `labels` or `resources.limits`) accept any key, as the schema does.
 */
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';

/** A model class: its prototype's `validate` checks `this` and throws on a schema error. */
interface ModelClass {
  prototype: { validate(): void };
}

/** Every kind the chart may render, by `apiVersion/kind`. */
const MODELS: Record<string, ModelClass> = {
  'apps/v1/Deployment': Deployment,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'keda.sh/v1alpha1/ScaledObject': ScaledObject,
  'monitoring.coreos.com/v1/PrometheusRule': PrometheusRule,
  'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor,
};

/** What the validator did with one object of the input. */
interface Visit {
  value: object;
  read: Set<string>;
  enumerated: boolean;
}

/** `value` behind a proxy that records, for it and everything under it, which keys were read. */
function watch(value: unknown, path: string, visits: Map<string, Visit>): unknown {
  if (value === null || typeof value !== 'object') return value;
  const visit: Visit = { value, read: new Set(), enumerated: false };
  visits.set(path, visit);
  const children = new Map<string, unknown>();
  return new Proxy(value, {
    get(target, key, receiver) {
      const child: unknown = Reflect.get(target, key, receiver);
      if (typeof key !== 'string') return child;
      visit.read.add(key);
      if (child === null || typeof child !== 'object') return child;
      if (!children.has(key)) children.set(key, watch(child, `${path}/${key}`, visits));
      return children.get(key);
    },
    has(target, key) {
      if (typeof key === 'string') visit.read.add(key);
      return Reflect.has(target, key);
    },
    ownKeys(target) {
      visit.enumerated = true;
      return Reflect.ownKeys(target);
    },
  });
}

/**
 * The problems of one object: schema errors, then fields the schema does not have (as JSON
 * pointers). Empty when the object is valid.
 */
export function validateObject(object: unknown): string[] {
  const meta = object as { apiVersion?: unknown; kind?: unknown };
  const model = MODELS[`${String(meta.apiVersion)}/${String(meta.kind)}`];
  if (model === undefined) return [`no schema for ${String(meta.apiVersion)} ${String(meta.kind)}`];
  const visits = new Map<string, Visit>();
  const problems: string[] = [];
  try {
    model.prototype.validate.call(watch(object, '', visits));
  } catch (err) {
    problems.push((err as Error).message);
  }
  for (const [path, visit] of visits) {
    if (Array.isArray(visit.value) || visit.enumerated) continue;
    for (const key of Object.keys(visit.value))
      if (!visit.read.has(key)) problems.push(`unknown field ${path}/${key}`);
  }
  return problems;
}
