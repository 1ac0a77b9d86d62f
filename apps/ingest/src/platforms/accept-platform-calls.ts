import {
  problemsOfCalls,
  validateIdentificationBatch,
  type PlatformCalls,
  type ValidationProblem,
} from '@groupidentify/ops';
import { acceptIdentifications } from '../accept-identifications.js';
import type { GroupIdentifyDeps } from '../group-identify-route.js';
import { HttpError, payloadTooLarge } from '../http-error.js';
import { projectOrUnavailable } from '../project-lookup.js';

/** How a platform names its calls and their fields in errors. */
export interface PlatformNaming {
  /** The `platform` label of `gi_ignored_events_total`. */
  platform: 'mixpanel' | 'posthog' | 'segment';
  /** What one call is called: `update`, `event`, `call`. */
  noun: string;
  /** An identification field in the platform's terms (`group_type` → `$group_key`, …). */
  field: (field: string) => string;
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
): Promise<string> {
  if (apiKey === undefined || apiKey === '') throw new HttpError(401, missing);
  const project = await projectOrUnavailable(deps.lookupProject, apiKey);
  if (project === undefined) throw new HttpError(401, 'Invalid API key');
  return project;
}

/**
 * The shared tail of every platform route, with the rules of `/groupidentify` (docs/api.md):
 * a call that cannot be read, or an identification that `validateIdentificationBatch` refuses,
 * is a 400 and nothing of the request is enqueued; over its limits, a 413; then the
 * identifications are enqueued in call order by `acceptIdentifications` (429/503 as everywhere),
 * and the calls that are not group calls are counted as ignored.
 */
export async function acceptPlatformCalls(
  deps: GroupIdentifyDeps,
  naming: PlatformNaming,
  project: string,
  calls: PlatformCalls,
  receivedAt: number,
): Promise<void> {
  if (calls.problems.length > 0) throw invalidCalls(calls.problems, naming);
  if (calls.identifications.length > 0) {
    const validation = validateIdentificationBatch(calls.identifications);
    if (!validation.ok && validation.status === 400)
      throw invalidCalls(problemsOfCalls(validation.problems, calls, naming.field), naming);
    if (!validation.ok) throw payloadTooLarge(validation.reason);
    await acceptIdentifications(deps, project, validation.identifications, receivedAt);
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
