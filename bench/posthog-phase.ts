import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import { FORM, formBody, identification } from './bodies.js';
import { alternate, median } from './http-load.js';
import { step } from './log.js';

/** A running ingest (no worker needed: this measures accepting) and its project's api_key. */
export interface PostHogPhaseTarget {
  ingestUrl: string;
  apiKey: string;
}

export interface PostHogPhaseFigures {
  /** Identifications/s through PostHog's `POST /batch/`, the median of the rounds. */
  posthogIdsPerSec: number;
  /** Identifications/s through `POST /groupidentify` with the same 100, the median of the rounds. */
  groupIdentifyIdsPerSec: number;
  /** Each round's figures, in run order. */
  posthogSamples: number[];
  groupIdentifySamples: number[];
}

/** Identifications in each request of both sides. */
const PER_REQUEST = 100;

/**
 * The cost of PostHog's mapping at ingest (docs/sdks.md): (a) one `/batch/` body of 100
 * `$groupidentify` events, shaped as posthog-node sends them (uuid, timestamp, `$lib`…, as plain
 * JSON: gzip would measure the inflating too), and (b) the same 100 identifications to
 * `/groupidentify` as one form body, each loaded by autocannon for `seconds` with `connections`,
 * alternating A,B,A,B over `rounds`. Both send one body over and over (ingest does not dedupe;
 * a worker would apply the repeated insert_ids of (a) once). Any non-2xx fails the run.
 */
export async function measurePostHogPhase(
  target: PostHogPhaseTarget,
  seconds: number,
  connections: number,
  rounds = 2,
): Promise<PostHogPhaseFigures> {
  const ids = Array.from({ length: PER_REQUEST }, (_, i) => identification('company', `g${i}`, i));
  const posthog = {
    path: '/batch/',
    contentType: 'application/json',
    body: Buffer.from(JSON.stringify(postHogBatch(target.apiKey, ids))),
  };
  const groupIdentify = {
    path: '/groupidentify',
    contentType: FORM,
    body: formBody(target.apiKey, ids),
  };
  const side = (label: string, request: LoadRequest) => async () => {
    const idsPerSec =
      (await requestsPerSecond(target.ingestUrl, request, seconds, connections)) * PER_REQUEST;
    step(`  ${label}: ${Math.round(idsPerSec)} identifications/s`);
    return idsPerSec;
  };
  step(`PostHog /batch/ vs /groupidentify, ${PER_REQUEST} per request: ${rounds} × (A, B)`);
  const [posthogSamples = [], groupIdentifySamples = []] = await alternate(rounds, [
    side('A  PostHog /batch/', posthog),
    side('B  /groupidentify ', groupIdentify),
  ]);
  return {
    posthogIdsPerSec: median(posthogSamples),
    groupIdentifyIdsPerSec: median(groupIdentifySamples),
    posthogSamples,
    groupIdentifySamples,
  };
}

interface LoadRequest {
  path: string;
  contentType: string;
  body: Buffer;
}

/** What posthog-node's groupIdentify() batches look like on the wire (its client.ts). */
function postHogBatch(
  apiKey: string,
  ids: readonly ReturnType<typeof identification>[],
): Record<string, unknown> {
  const timestamp = new Date().toISOString();
  return {
    api_key: apiKey,
    batch: ids.map((id) => ({
      distinct_id: `$${id.group_type}_${id.group_value}`,
      event: '$groupidentify',
      properties: {
        $group_type: id.group_type,
        $group_key: id.group_value,
        $group_set: id.group_properties,
        $lib: 'posthog-node',
        $lib_version: '5.70.0',
        $geoip_disable: true,
      },
      timestamp,
      uuid: randomUUID(),
    })),
    sent_at: timestamp,
  };
}

async function requestsPerSecond(
  url: string,
  request: LoadRequest,
  seconds: number,
  connections: number,
): Promise<number> {
  const result = await autocannon({
    url: `${url}${request.path}`,
    connections,
    duration: seconds,
    method: 'POST',
    headers: { 'content-type': request.contentType },
    body: request.body,
  });
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(
      `load on ${url}${request.path} got ${result.non2xx} non-2xx answers and ` +
        `${result.errors} errors: ${JSON.stringify(result.statusCodeStats)}`,
    );
  }
  return result['2xx'] / result.duration;
}
