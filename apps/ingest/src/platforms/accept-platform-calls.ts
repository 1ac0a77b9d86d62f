import {
  LIMITS,
  problemsOfCalls,
  validateIdentificationBatch,
  type PlatformCalls,
  type ValidationProblem,
} from '@groupidentify/ops';
import { queuedIdentification, type QueuedItem } from '@groupidentify/queue-contract';
import { enqueueItems } from '../accept-identifications.js';
import type { GroupIdentifyDeps } from './amplitude/group-identify-route.js';
import { HttpError, payloadTooLarge } from '../http-error.js';
import { projectOrUnavailable, type IngestProject } from '../project-lookup.js';

/** How a platform names its calls and their fields in errors. */
export interface PlatformNaming {
  /** The `platform` label of `gi_ignored_events_total`. */
  platform: 'mixpanel' | 'posthog' | 'segment';
  /** What one call is called: `update`, `event`, `call`. */
  noun: string;
  /** An identification field in the platform's terms (`group_type` → `$group_key`, …). */
  field: (field: string) => string;
}

/** A call that erases a group (Mixpanel's `$delete`), with its index among the request's calls. */
export interface PlatformErasure {
  index: number;
  group_type: string;
  group_value: string;
}

/** At most this many problems are spelled out in an error message. */
const MAX_LISTED_PROBLEMS = 10;

/**
 * The project of a platform key (Mixpanel token, PostHog project API key, Segment write key: the
 * project's api_key). A missing or unknown key is a 401, a store that cannot answer a 503.
 */
export async function projectOfKey(
  deps: GroupIdentifyDeps,
  apiKey: string | undefined,
  missing: string,
): Promise<IngestProject> {
  if (apiKey === undefined || apiKey === '') throw new HttpError(401, missing);
  const project = await projectOrUnavailable(deps.lookupProject, apiKey);
  if (project === undefined) throw new HttpError(401, 'Invalid API key');
  return project;
}

/**
 * The shared tail of every platform route, with the rules of `/groupidentify` (docs/api.md):
 * a call that cannot be read, or an identification that `validateIdentificationBatch` refuses,
 * is a 400 and nothing of the request is enqueued; over its limits (erasures count as
 * identifications), a 413; then the identifications, and the erasures if any, are enqueued in
 * call order (429/503 as everywhere), and the calls that are not group calls are counted as
 * ignored.
 */
export async function acceptPlatformCalls(
  deps: GroupIdentifyDeps,
  naming: PlatformNaming,
  project: IngestProject,
  calls: PlatformCalls,
  receivedAt: number,
  erasures: readonly PlatformErasure[] = [],
): Promise<void> {
  if (calls.problems.length > 0) throw invalidCalls(calls.problems, naming);
  const items: { index: number; item: QueuedItem }[] = erasures.map(({ index, ...key }) => ({
    index,
    item: { kind: 'delete', project: project.id, ...key, received_at: receivedAt },
  }));
  let accepted = 0;
  if (calls.identifications.length > 0) {
    const validation = validateIdentificationBatch(calls.identifications);
    if (!validation.ok && validation.status === 400)
      throw invalidCalls(problemsOfCalls(validation.problems, calls, naming.field), naming);
    if (!validation.ok) throw payloadTooLarge(validation.reason);
    validation.identifications.forEach((identification, i) => {
      items.push({
        index: calls.callIndexes[i] ?? i,
        item: queuedIdentification(project, identification, receivedAt),
      });
    });
    accepted = validation.identifications.length;
  }
  if (items.length > LIMITS.maxIdentifications) {
    throw payloadTooLarge(
      `more than ${LIMITS.maxIdentifications} identifications and erasures in one request`,
    );
  }
  if (items.length > 0) {
    items.sort((a, b) => a.index - b.index); // stable: one call makes one item
    await enqueueItems(
      deps,
      items.map((i) => i.item),
      project,
    );
    deps.metrics.accepted.inc(accepted);
  }
  if (calls.ignored > 0)
    deps.metrics.ignoredEvents.inc({ platform: naming.platform }, calls.ignored);
}

function invalidCalls(problems: readonly ValidationProblem[], naming: PlatformNaming): HttpError {
  const listed = problems
    .slice(0, MAX_LISTED_PROBLEMS)
    .map((p) => `${naming.noun} ${p.index}: ${p.field} ${p.reason}`);
  const more = problems.length - listed.length;
  return new HttpError(
    400,
    `Invalid ${naming.noun}s: ${listed.join('; ')}${more > 0 ? ` (and ${more} more)` : ''}`,
  );
}
