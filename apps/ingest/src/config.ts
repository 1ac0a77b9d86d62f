import { isIP } from 'node:net';
import { z } from 'zod';
import { queueSettings } from '@groupidentify/queue-contract';
import {
  destinationSettings,
  heapSettings,
  intSetting as int,
  parseSettings,
  serviceSettings,
} from '@groupidentify/service-runtime';

const schema = z.object({
  ...queueSettings,
  ...serviceSettings,
  ...heapSettings(50),
  PORT: int(0, 8080),
  HOST: z.string().default('0.0.0.0'),
  /** `/metrics` (and `/healthz`) on a port of their own, not the public one; 0 turns it off. */
  METRICS_PORT: int(0, 9465),
  /**
   * Slow clients: the whole request (headers and body) must arrive within HTTP_REQUEST_TIMEOUT_MS,
   * its headers within HTTP_HEADERS_TIMEOUT_MS, else the connection gets 408 and is closed. Only
   * the request is timed, never the answer: change streams and long polls are not cut.
   */
  HTTP_REQUEST_TIMEOUT_MS: int(1000, 30_000),
  HTTP_HEADERS_TIMEOUT_MS: int(1000, 10_000),
  /** An idle keep-alive connection is closed after this long (Node's default). */
  KEEP_ALIVE_TIMEOUT_MS: int(1, 5000),
  /** Open connections at most; one more is closed at once (no answer). */
  HTTP_MAX_CONNECTIONS: int(1, 10_000),
  /**
   * Failed sign-ins (read API secret, operator token) from one client address within
   * SIGNIN_WINDOW_MS; beyond, its sign-ins answer 429 until the window ends.
   */
  SIGNIN_MAX_FAILURES: int(1, 10),
  SIGNIN_WINDOW_MS: int(1000, 60_000),
  /**
   * Express's `trust proxy`: which proxies' `X-Forwarded-For` names the client address (for the
   * failed sign-in count). Empty (default): none, the peer's address is the client's. `true`,
   * a hop count, or a comma-separated list of addresses/subnets or loopback, linklocal,
   * uniquelocal.
   */
  TRUST_PROXY: z
    .string()
    .default('')
    .refine(
      (v) => v === '' || v === 'true' || /^\d+$/.test(v) || v.split(',').every(isProxyName),
      'must be empty, true, a hop count, or a comma-separated list of addresses, subnets or loopback/linklocal/uniquelocal',
    )
    .transform((v): boolean | number | string =>
      v === '' ? false : v === 'true' ? true : /^\d+$/.test(v) ? Number(v) : v,
    ),
  /**
   * Group commit: how long a partition buffer waits for more items before it is enqueued. 0 (the
   * default): until the requests read in the same turn of the event loop are in; under load,
   * what arrives while a flush is in flight goes out together right after it anyway.
   */
  FLUSH_LINGER_MS: int(0, 0),
  /** Group commit: items per job; a fuller buffer is enqueued at once. */
  FLUSH_MAX_ITEMS: int(1, 1000),
  /** Waiting jobs in one partition above which requests for it get 429. */
  MAX_BACKLOG: int(1, 10_000),
  /**
   * Backpressure: when the oldest waiting job of a partition a request writes to has waited
   * longer than this, the answer waits for the excess (at most 1 s) after the identifications
   * are enqueued, so that clients sending as fast as they are answered slow down to what the
   * workers apply. 0 turns it off.
   */
  BACKPRESSURE_LAG_MS: int(0, 500),
  /** How long an enqueue may take before the request gets 503. */
  ENQUEUE_TIMEOUT_MS: int(1, 5000),
  /** How long an api_key lookup (hit or miss) is cached: a revoked key stops within this. */
  PROJECT_CACHE_TTL_MS: int(0, 5000),
  /**
   * Identifications (and erasures) per second this process accepts from one project, unless the
   * project has its own (`project update --rate-limit`); over it a request is refused whole with
   * 429 (docs/guarantees.md#rate-limit-per-project). 0: no limit for projects without their own.
   */
  RATE_LIMIT_PER_S: int(0, 20_000),
  /**
   * A request over its project's rate limit is answered 429 when its tokens would be there, or
   * after this many ms if sooner (docs/guarantees.md#rate-limit-per-project): clients that send
   * again at once, whatever Retry-After says, no longer keep ingest busy refusing them. 0: at once.
   * At most 5 s: a held refusal keeps its body (a stopping ingest answers the held ones at once).
   */
  RATE_LIMIT_HOLD_MS: z.coerce.number().int().min(0).max(5000).default(1000),
  /**
   * Turns on the operator endpoints (`/api/admin/…`, and the console's operator view) for
   * requests that present it as `Authorization: Bearer <token>`; unset, they do not exist.
   */
  ADMIN_TOKEN: z.preprocess((v) => (v === '' ? undefined : v), z.string().min(16).optional()),
  /**
   * Open change streams and long polls (`wait_ms` > 0) of one project in this process; one more
   * is answered 429 (docs/guarantees.md#streams-and-long-polls).
   */
  MAX_STREAMS_PER_PROJECT: int(1, 100),
  /** Open change streams and long polls of all projects in this process. */
  MAX_STREAMS_PER_PROCESS: int(1, 1000),
  /**
   * Store reads of one project running at once in this process (lists, counts, single groups,
   * history, change feed pages); the others wait their turn (docs/guarantees.md#store-reads-per-
   * project). Exports have their own cap.
   */
  STORE_READS_PER_PROJECT: int(1, 2),
  /**
   * Changes the change feed's readers of one project (pages, long polls, streams) get from this
   * process per second, all together; past it their next page waits
   * (docs/guarantees.md#change-feed-budget).
   */
  FEED_CHANGES_PER_SECOND: int(1, 5_000),
  /**
   * Milliseconds of store time one project's `where` queries (counts, lists) get from this process
   * per second, all together, one at a time; past it the next waits, or gets 429 if that would be
   * over 10 s (docs/guarantees.md#where-query-budget). 0: no budget.
   */
  WHERE_MS_PER_SECOND: int(0, 250),
  /** Exports (`/api/export`) of one project running at once in this process; one more: 429. */
  MAX_EXPORTS_PER_PROJECT: int(1, 4),
  /**
   * Webhook destinations one project may have through `POST /api/destinations`; one more: 409
   * (docs/guarantees.md#webhook-destinations-per-project). The CLI, the operator's, is not held to it.
   */
  MAX_DESTINATIONS_PER_PROJECT: int(1, 10),
  /** History records an `as_of` may undo per group; beyond, the answer says so (422). */
  AS_OF_MAX_HISTORY: int(1, 10_000),
  /** `maxTimeMS` of every store query of this process; a query over it answers 503. */
  STORE_QUERY_TIMEOUT_MS: int(1, 10_000),
  /**
   * Whether `POST /api/destinations` takes webhook URLs on loopback, link-local and private
   * addresses (docs/webhooks.md#which-urls); the worker reads it too, for every delivery.
   */
  ...destinationSettings,
  /** group_type of a Segment `group` call whose traits carry none. */
  SEGMENT_GROUP_TYPE: z.string().min(1).max(1024).default('company'),
});

function isProxyName(entry: string): boolean {
  const name = entry.trim();
  if (['loopback', 'linklocal', 'uniquelocal'].includes(name)) return true;
  const [address, bits, ...rest] = name.split('/');
  if (rest.length > 0 || address === undefined || isIP(address) === 0) return false;
  return bits === undefined || /^\d{1,3}$/.test(bits);
}

/** The ingest app's configuration (docs/operations.md). */
export type IngestConfig = z.infer<typeof schema>;

/** Every environment variable ingest reads (docs/operations.md#configuration lists each). */
export const ingestSettingNames: readonly string[] = Object.keys(schema.shape);

/** Reads and validates the environment; throws one readable message listing every problem. */
export function loadConfig(env: NodeJS.ProcessEnv): IngestConfig {
  return parseSettings(schema, env);
}
