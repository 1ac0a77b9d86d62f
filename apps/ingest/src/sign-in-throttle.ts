import type { Request } from 'express';
import { HttpError } from './http-error.js';

/** How many failed sign-ins one client address may make, and over what window. */
export interface SignInLimits {
  /** Failed sign-ins from one address within `windowMs`; the next sign-in answers 429. */
  maxFailures: number;
  /** The window the failures are counted over (fixed, from the address's first failure). */
  windowMs: number;
}

/** Addresses tracked at most: beyond, the one whose last failure is oldest is forgotten. */
export const MAX_TRACKED_ADDRESSES = 10_000;

interface Failures {
  count: number;
  /** When the address's current window started. */
  since: number;
}

/**
 * Slows down guessing of secrets (the read API's Basic credentials, the operator token): after
 * `maxFailures` failed sign-ins from one client address within `windowMs`, every sign-in from
 * that address — right or wrong — answers `429` with `Retry-After` until the window ends. Other
 * addresses are not affected; a success does not clear the count (else a client with keys of
 * its own could reset it between guesses at another project's). Memory is bounded: at most
 * {@link MAX_TRACKED_ADDRESSES} addresses, kept in a `Map` in order of their last failure so the
 * stalest is dropped first (a plain Map does it in a few lines; no cache library needed).
 *
 * The address is Express's `req.ip`: behind a proxy, every client shares the proxy's address
 * unless `TRUST_PROXY` names it (docs/operations.md).
 */
export class SignInThrottle {
  private readonly failures = new Map<string, Failures>();

  constructor(
    private readonly limits: SignInLimits,
    private readonly now: () => number = Date.now,
    private readonly maxAddresses = MAX_TRACKED_ADDRESSES,
  ) {}

  /** Throws the `429` when the request's address has failed too often within its window. */
  check(req: Request): void {
    const address = addressOf(req);
    const entry = this.failures.get(address);
    if (entry === undefined || entry.count < this.limits.maxFailures) return;
    const left = entry.since + this.limits.windowMs - this.now();
    if (left <= 0) {
      this.failures.delete(address);
      return;
    }
    throw tooManyFailedSignIns(Math.ceil(left / 1000));
  }

  /** Counts a failed sign-in of the request's address. */
  failed(req: Request): void {
    const address = addressOf(req);
    const now = this.now();
    const entry = this.failures.get(address);
    this.failures.delete(address); // re-inserted last: the Map's order is the eviction order
    const fresh = entry === undefined || now - entry.since >= this.limits.windowMs;
    this.failures.set(
      address,
      fresh ? { count: 1, since: now } : { ...entry, count: entry.count + 1 },
    );
    if (this.failures.size > this.maxAddresses) {
      const stalest = this.failures.keys().next().value;
      if (stalest !== undefined) this.failures.delete(stalest);
    }
  }

  /** Addresses tracked now (for tests of the bound). */
  get size(): number {
    return this.failures.size;
  }
}

const addressOf = (req: Request): string => req.ip ?? req.socket.remoteAddress ?? 'unknown';

/** docs/api.md `429` of a sign-in from an address that failed too often. */
const tooManyFailedSignIns = (retryAfterSeconds: number): HttpError =>
  new HttpError(
    429,
    'Too many requests',
    {
      reason: 'too many failed sign-ins from this address',
      retry_after_seconds: retryAfterSeconds,
    },
    { 'Retry-After': String(retryAfterSeconds) },
  );
