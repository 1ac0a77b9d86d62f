import { LIMITS } from '@groupidentify/ops';

/** A token bucket's state: the tokens left when it was last touched (`at`, in ms). */
export interface TokenBucket {
  tokens: number;
  at: number;
}

/** What {@link takeTokens} decided, and the bucket to keep. */
export type TakeResult =
  { ok: true; bucket: TokenBucket } | { ok: false; bucket: TokenBucket; retryAfterMs: number };

/**
 * How many tokens a bucket filling at `ratePerS` holds: one second of the rate, and never less
 * than one request's worth (so that a project limited below 1,024 per second can still send a
 * full request, now and then).
 */
export function bucketCapacity(ratePerS: number): number {
  return Math.max(ratePerS, LIMITS.maxIdentifications);
}

/**
 * Takes `count` tokens at `now` from a bucket refilled at `ratePerS` tokens a second (a new
 * bucket, `undefined`, is full), all or none: when there are not enough, nothing is taken and
 * `retryAfterMs` says when there will be (at least 1). A request larger than the bucket is
 * admitted when the bucket is full, and empties it. Pure: the caller keeps the returned bucket.
 */
export function takeTokens(
  bucket: TokenBucket | undefined,
  count: number,
  ratePerS: number,
  now: number,
): TakeResult {
  const capacity = bucketCapacity(ratePerS);
  const refill = bucket === undefined ? capacity : (Math.max(0, now - bucket.at) * ratePerS) / 1000;
  const tokens = Math.min(capacity, (bucket?.tokens ?? 0) + refill);
  const at = Math.max(now, bucket?.at ?? now);
  const needed = Math.min(count, capacity);
  // Within a rounding error of enough is enough: coming back after `retryAfterMs` always works.
  if (needed <= tokens + 1e-9) {
    return { ok: true, bucket: { tokens: Math.max(0, tokens - needed), at } };
  }
  const retryAfterMs = Math.max(1, Math.ceil(((needed - tokens) * 1000) / ratePerS));
  return { ok: false, bucket: { tokens, at }, retryAfterMs };
}
