import { gzipSync } from 'node:zlib';
import fc from 'fast-check';

/**
 * Arbitraries for fuzzing the Mixpanel, PostHog and Segment routes (docs/sdks.md): whole HTTP
 * requests, from what the SDKs send to garbage, each marked `mustAccept` when docs/sdks.md leaves
 * no doubt it is a valid request that must get the platform's success answer.
 */
export interface PlatformRequest {
  method: string;
  /** Path and query string. */
  url: string;
  headers: Record<string, string>;
  body: Buffer | undefined;
  /** Whether the project's real key is in the request (anything else must not be accepted). */
  validKey: boolean;
  mustAccept: boolean;
}

type KeyChoice = 'valid' | 'invalid' | 'missing';

const name = fc.string({ minLength: 1, maxLength: 10 });
const properties = fc.dictionary(name, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 });
const groupValue = fc.oneof(
  name,
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);
const anyValue = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(null, '', [], {}, '__proto__', 'x'.repeat(2000), -0),
  fc.integer({ min: 35, max: 45 }).map((depth) => nest(depth)),
);
const keyChoice = fc.constantFrom<KeyChoice>('valid', 'valid', 'valid', 'invalid', 'missing');
const garbage = fc.oneof(
  fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
  fc.jsonValue({ maxDepth: 3 }).map((v) => Buffer.from(JSON.stringify(v))),
  fc.constantFrom('', '{', '[]', 'null', '{"a":', 'data=', '%%%').map((s) => Buffer.from(s)),
  fc.constant(Buffer.alloc(1_100_000, 0x61)), // over 1 MB
);

/** `arbitrary` once in `1 + absentWeight` cases, else undefined. */
const sometimes = <T>(arbitrary: fc.Arbitrary<T>, absentWeight: number) =>
  fc.oneof(
    { weight: absentWeight, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: arbitrary },
  );

function nest(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}

/** `object` with `key` replaced by `value` (or removed when `value` is undefined). */
function mutate(object: Record<string, unknown>, key: string, value: unknown): object {
  const { [key]: _dropped, ...rest } = object;
  return value === undefined ? rest : { ...rest, [key]: value };
}

/** One mutation of a call: a field replaced by any value, or dropped. */
const mutation = (fields: readonly string[]) =>
  fc.tuple(fc.constantFrom(...fields), fc.option(anyValue, { nil: undefined }));

type Encoding = 'none' | 'gzip' | 'corrupt-gzip' | 'gzip-bomb' | 'unknown';
const encoding = fc.constantFrom<Encoding>(
  'none',
  'none',
  'none',
  'gzip',
  'corrupt-gzip',
  'gzip-bomb',
  'unknown',
);
const BOMB = gzipSync(Buffer.alloc(4 * 1024 * 1024, 0x61));

function encode(body: Buffer, how: Encoding): { body: Buffer; headers: Record<string, string> } {
  switch (how) {
    case 'none':
      return { body, headers: {} };
    case 'gzip':
      return { body: gzipSync(body), headers: { 'content-encoding': 'gzip' } };
    case 'corrupt-gzip':
      return { body: gzipSync(body).subarray(0, -4), headers: { 'content-encoding': 'gzip' } };
    case 'gzip-bomb':
      return { body: BOMB, headers: { 'content-encoding': 'gzip' } };
    case 'unknown':
      return { body, headers: { 'content-encoding': 'x-unknown' } };
  }
}

const readable = (how: Encoding): boolean => how === 'none' || how === 'gzip';
const method = fc.oneof(
  { weight: 8, arbitrary: fc.constant('POST') },
  { weight: 1, arbitrary: fc.constantFrom('GET', 'PUT', 'DELETE') },
);

// ---- PostHog ----

const postHogGroupEvent = fc.record(
  {
    event: fc.constant('$groupidentify'),
    distinct_id: name,
    uuid: fc.uuid(),
    properties: fc.record(
      {
        $group_type: name,
        $group_key: groupValue,
        $group_set: properties,
        $group_set_once: properties,
        $lib: fc.constant('posthog-node'),
      },
      { requiredKeys: ['$group_type', '$group_key'] },
    ),
  },
  { requiredKeys: ['event', 'properties'] },
);
const postHogOtherEvent = fc.record({
  event: name.filter((n) => n !== '$groupidentify'),
  distinct_id: name,
  properties: properties,
});
const postHogEvents = fc.array(fc.oneof(postHogGroupEvent, postHogGroupEvent, postHogOtherEvent), {
  minLength: 1,
  maxLength: 5,
});

/** Requests to PostHog's capture paths. */
export function postHogRequests(apiKey: string): fc.Arbitrary<PlatformRequest> {
  const events: fc.Arbitrary<{ events: object[]; valid: boolean }> = fc.oneof(
    { weight: 3, arbitrary: postHogEvents.map((e) => ({ events: e, valid: true })) },
    {
      weight: 3,
      arbitrary: fc
        .tuple(postHogEvents, fc.nat(), mutation(['event', 'properties', 'uuid']))
        .map(([e, at, [field, value]]) => ({
          events: e.map((ev, i) => (i === at % e.length ? mutate(ev, field, value) : ev)),
          valid: false,
        })),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(postHogEvents, fc.constantFrom('$group_type', '$group_key', '$group_set'), anyValue)
        .map(([e, field, value]) => ({
          events: e.map((ev) => ({
            ...ev,
            properties: mutate(ev.properties as Record<string, unknown>, field, value),
          })),
          valid: false,
        })),
    },
  );
  return fc
    .record({
      method,
      path: fc.constantFrom('/batch/', '/capture/', '/e/', '/i/v0/e/', '/capture', '/e'),
      shape: fc.constantFrom('batch', 'array', 'single'),
      events,
      key: keyChoice,
      body: sometimes(garbage, 4),
      encoding,
      gzipJs: fc.boolean(),
      contentType: fc.constantFrom('application/json', 'text/plain', undefined),
    })
    .map((r) => {
      const key = r.key === 'valid' ? apiKey : 'not-a-key';
      const keyed = r.key === 'missing' ? {} : { api_key: key };
      const first = r.events.events[0] ?? {};
      const payload =
        r.shape === 'batch'
          ? { ...keyed, batch: r.events.events }
          : r.shape === 'array'
            ? r.events.events.map((e) => ({ ...e, ...keyed }))
            : { ...first, ...keyed };
      const raw = r.body ?? Buffer.from(JSON.stringify(payload));
      // posthog-js's way: a gzipped body named by ?compression=gzip-js, with no header.
      const jsStyle = r.gzipJs && r.encoding === 'gzip';
      const encoded = jsStyle ? { body: gzipSync(raw), headers: {} } : encode(raw, r.encoding);
      const headers: Record<string, string> = { ...encoded.headers };
      if (r.contentType !== undefined) headers['content-type'] = r.contentType;
      return {
        method: r.method,
        url: `${r.path}${jsStyle ? '?compression=gzip-js' : ''}`,
        headers,
        body: r.method === 'GET' ? undefined : encoded.body,
        validKey: r.key === 'valid',
        mustAccept:
          r.method === 'POST' &&
          r.key === 'valid' &&
          r.body === undefined &&
          r.events.valid &&
          readable(r.encoding),
      };
    });
}

// ---- Mixpanel ----

const mixpanelOperation = fc.oneof(
  properties.map((p) => ({ $set: p })),
  properties.map((p) => ({ $set_once: p })),
  fc.dictionary(name, fc.integer(), { maxKeys: 3 }).map((p) => ({ $add: p })),
  fc.dictionary(name, fc.array(fc.oneof(name, fc.integer()), { maxLength: 3 })).map((p) => ({
    $union: p,
  })),
  fc.dictionary(name, fc.oneof(name, fc.integer())).map((p) => ({ $remove: p })),
  fc.array(name, { maxLength: 3 }).map((names) => ({ $unset: names })),
);
const mixpanelUpdates = (token: string | undefined) =>
  fc.array(
    fc
      .tuple(name, groupValue, mixpanelOperation, fc.option(fc.constantFrom('$ip', '$time')))
      .map(([type, value, operation, modifier]) => ({
        ...(token === undefined ? {} : { $token: token }),
        $group_key: type,
        $group_id: value,
        ...operation,
        ...(modifier === null ? {} : { [modifier]: 0 }),
      })),
    { minLength: 1, maxLength: 4 },
  );

/** Requests to Mixpanel's `/groups`. */
export function mixpanelRequests(apiKey: string): fc.Arbitrary<PlatformRequest> {
  return fc
    .record({
      method: fc.constantFrom('GET', 'GET', 'GET', 'POST', 'POST', 'POST', 'PUT'),
      key: keyChoice,
      where: fc.constantFrom('query', 'form', 'json-body'),
      base64: fc.boolean(),
      verbose: fc.boolean(),
      single: fc.boolean(),
      mutation: sometimes(
        fc.tuple(
          fc.constantFrom(
            '$group_key',
            '$group_id',
            '$set',
            '$unset',
            '$union',
            '$append',
            '$delete',
          ),
          anyValue,
        ),
        2,
      ),
      garbage: sometimes(
        fc.oneof(fc.string({ maxLength: 20 }), fc.constant('x'.repeat(1_100_000))),
        5,
      ),
      seed: fc.nat(),
    })
    .chain((r) =>
      mixpanelUpdates(r.key === 'missing' ? undefined : r.key === 'valid' ? apiKey : 'nope').map(
        (updates) => ({ ...r, updates }),
      ),
    )
    .map((r) => {
      const updates = r.updates.map((u, i) =>
        r.mutation !== undefined && i === r.seed % r.updates.length
          ? mutate(u, r.mutation[0], r.mutation[1])
          : u,
      );
      const json = JSON.stringify(r.single ? updates[0] : updates);
      const data = r.garbage ?? (r.base64 ? Buffer.from(json).toString('base64') : json);
      const verbose = r.verbose ? 'verbose=1' : 'verbose=0';
      const inQuery = r.method === 'GET' || r.where === 'query';
      const headers: Record<string, string> = {};
      let body: Buffer | undefined;
      if (!inQuery && r.where === 'form') {
        headers['content-type'] = 'application/x-www-form-urlencoded';
        body = Buffer.from(new URLSearchParams({ data }).toString());
      } else if (!inQuery) {
        headers['content-type'] = 'application/json';
        body = Buffer.from(r.garbage ?? json);
      }
      const query = inQuery ? `&data=${encodeURIComponent(data)}` : '';
      return {
        method: r.method,
        url: `/groups?ip=0&${verbose}${query}`,
        headers,
        body,
        validKey: r.key === 'valid',
        mustAccept:
          r.method !== 'PUT' &&
          r.key === 'valid' &&
          r.mutation === undefined &&
          r.garbage === undefined &&
          // A query over Node's 16 KB header limit is answered 431 before any route.
          query.length < 12_000,
      };
    });
}

// ---- Segment ----

const segmentGroupCall = fc.record(
  {
    type: fc.constant('group'),
    groupId: groupValue,
    traits: fc.oneof(
      properties,
      properties.map((p) => ({ ...p, group_type: 'team' })),
    ),
    messageId: fc.uuid().map((u) => `node-next-1700000000000-${u}`),
    userId: name,
  },
  { requiredKeys: ['type', 'groupId', 'userId'] },
);
const segmentOtherCall = fc.record({
  type: fc.constantFrom('track', 'identify', 'page', 'screen', 'alias'),
  userId: name,
  event: name,
});
const segmentCalls = fc.array(fc.oneof(segmentGroupCall, segmentGroupCall, segmentOtherCall), {
  minLength: 1,
  maxLength: 5,
});

/** Requests to Segment's `/v1/batch` and `/v1/group`. */
export function segmentRequests(apiKey: string): fc.Arbitrary<PlatformRequest> {
  return fc
    .record({
      method,
      path: fc.constantFrom('/v1/batch', '/v1/batch', '/v1/group'),
      calls: segmentCalls,
      mutation: sometimes(
        fc.tuple(fc.nat(), mutation(['type', 'groupId', 'traits', 'messageId'])),
        2,
      ),
      key: keyChoice,
      keyIn: fc.constantFrom('basic', 'body'),
      body: sometimes(garbage, 4),
      encoding,
    })
    .map((r) => {
      const key = r.key === 'valid' ? apiKey : 'not-a-key';
      const calls = r.calls.map((c, i) =>
        r.mutation !== undefined && i === r.mutation[0] % r.calls.length
          ? mutate(c, r.mutation[1][0], r.mutation[1][1])
          : c,
      );
      const inBody = r.key !== 'missing' && r.keyIn === 'body' ? { writeKey: key } : {};
      const first = calls[0] ?? {};
      const payload =
        r.path === '/v1/batch' ? { batch: calls, ...inBody } : { ...first, ...inBody };
      const encoded = encode(r.body ?? Buffer.from(JSON.stringify(payload)), r.encoding);
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        ...encoded.headers,
      };
      if (r.key !== 'missing' && r.keyIn === 'basic')
        headers['authorization'] = `Basic ${Buffer.from(`${key}:`).toString('base64')}`;
      // On /v1/group the path names the type: a mutated `type` does not matter there.
      const typeOnly = r.mutation !== undefined && r.mutation[1][0] === 'type';
      const mutated = r.mutation !== undefined && !(typeOnly && r.path === '/v1/group');
      const groupCall = r.path === '/v1/group' ? [first] : [];
      return {
        method: r.method,
        url: r.path,
        headers,
        body: r.method === 'GET' ? undefined : encoded.body,
        validKey: r.key === 'valid',
        mustAccept:
          r.method === 'POST' &&
          r.key === 'valid' &&
          r.body === undefined &&
          readable(r.encoding) &&
          !mutated &&
          // /v1/group reads its one call as a group call, whatever its type says.
          groupCall.every((c) => 'groupId' in c),
      };
    });
}
