import { setMaxListeners } from 'node:events';
import type { Gauge } from 'prom-client';
import { sleep } from './abortable-sleep.js';
import { rateLimited } from './http-error.js';
import type { IngestProject } from './project-lookup.js';
import { takeTokens, type TokenBucket } from './token-bucket.js';

export interface RateLimitOptions {
  /** The clock (ms). */
  now?: () => number;
  /** `RATE_LIMIT_HOLD_MS`: a refusal is held this long at most before it is answered (0: never). */
  holdMs?: number;
  /** Refusals held at once in this process; beyond, they are answered at once. */
  maxHeld?: number;
  /** Ingest stopping: refusals held then are answered at once. */
  stopping?: AbortSignal;
  /** Counts the refusals held now (`gi_rate_limit_held`). */
  heldGauge?: Pick<Gauge, 'inc' | 'dec'>;
}

/** What a take decided: the tokens taken, or how long until there are enough. */
type Decision = { ok: true } | { ok: false; retryAfterMs: number; rate: number };

/**
 * Each project's token bucket of accepted identifications in this process
 * (docs/guarantees.md#rate-limit-per-project): a project's own `rate_limit_per_s`, else
 * `defaultPerS` (`RATE_LIMIT_PER_S`; 0: projects without their own are not limited). One bucket
 * per project id, kept in memory: no round trip on the hot path.
 */
export class ProjectRateLimits {
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly now: () => number;
  private readonly holdMs: number;
  private readonly maxHeld: number;
  /** Aborted when ingest stops: what the held refusals wait on (one listener on `stopping`). */
  private readonly release = new AbortController();
  private readonly heldGauge: Pick<Gauge, 'inc' | 'dec'> | undefined;
  private heldNow = 0;

  constructor(
    private readonly defaultPerS: number,
    options: RateLimitOptions = {},
  ) {
    this.now = options.now ?? (() => performance.now());
    this.holdMs = options.holdMs ?? 0;
    this.maxHeld = options.maxHeld ?? MAX_HELD_REFUSALS;
    // Each held refusal listens for the release: up to maxHeld at once, not a leak.
    setMaxListeners(this.maxHeld + 1, this.release.signal);
    options.stopping?.addEventListener('abort', () => this.release.abort(), { once: true });
    if (options.stopping?.aborted === true) this.release.abort();
    this.heldGauge = options.heldGauge;
  }

  /** Refusals being held now. */
  get held(): number {
    return this.heldNow;
  }

  /**
   * Takes `count` tokens of `project`'s bucket, all or none. None left: a 429 to throw, answered
   * only when the tokens would be there, or after the hold (`RATE_LIMIT_HOLD_MS`) if that is
   * sooner, its `retry_after_ms` then what is left. A client that sends again as soon as it is
   * answered, whatever `Retry-After` says, is then refused about as often as its tokens come back
   * (at least once a second per connection), not as fast as ingest can parse: each refusal costs
   * about what an accepted request does, and they took ingest from every other project.
   * Refusals held when ingest stops are answered at once, their `retry_after_ms` as it was when
   * they came: nothing holds the shutdown up.
   */
  async take(project: IngestProject, count: number): Promise<void> {
    const decision = this.decide(project, count);
    if (decision.ok) return;
    const hold = this.heldNow < this.maxHeld ? Math.min(decision.retryAfterMs, this.holdMs) : 0;
    let held = 0;
    if (hold > 0) {
      this.heldNow++;
      this.heldGauge?.inc();
      try {
        if (await sleep(hold, this.release.signal)) held = hold;
      } finally {
        this.heldNow--;
        this.heldGauge?.dec();
      }
    }
    throw rateLimited(decision.retryAfterMs - held, decision.rate);
  }

  private decide(project: IngestProject, count: number): Decision {
    const rate = project.rate_limit_per_s ?? this.defaultPerS;
    if (rate === 0 || count === 0) return { ok: true };
    const taken = takeTokens(this.buckets.get(project.id), count, rate, this.now());
    this.buckets.set(project.id, taken.bucket);
    return taken.ok ? { ok: true } : { ok: false, retryAfterMs: taken.retryAfterMs, rate };
  }
}

/**
 * Refusals held at once per process: each holds its request's body until it is answered (at most
 * 1 MB), so a client with thousands of connections gets the rest answered at once.
 */
export const MAX_HELD_REFUSALS = 256;
