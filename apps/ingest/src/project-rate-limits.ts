import { rateLimited } from './http-error.js';
import type { IngestProject } from './project-lookup.js';
import { takeTokens, type TokenBucket } from './token-bucket.js';

/**
 * Each project's token bucket of accepted identifications in this process
 * (docs/guarantees.md#rate-limit-per-project): a project's own `rate_limit_per_s`, else
 * `defaultPerS` (`RATE_LIMIT_PER_S`; 0: projects without their own are not limited). One bucket
 * per project id, kept in memory: no round trip on the hot path.
 */
export class ProjectRateLimits {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly defaultPerS: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Takes `count` tokens of `project`'s bucket, all or none; none left: a 429 to throw. */
  take(project: IngestProject, count: number): void {
    const rate = project.rate_limit_per_s ?? this.defaultPerS;
    if (rate === 0 || count === 0) return;
    const taken = takeTokens(this.buckets.get(project.id), count, rate, this.now());
    this.buckets.set(project.id, taken.bucket);
    if (!taken.ok) throw rateLimited(taken.retryAfterMs, rate);
  }
}
