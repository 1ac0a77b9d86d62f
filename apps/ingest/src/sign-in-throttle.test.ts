import type { Request } from 'express';
import { describe, expect, it } from 'vitest';
import { HttpError } from './http-error.js';
import { SignInThrottle } from './sign-in-throttle.js';

const from = (ip: string): Request => ({ ip, socket: {} }) as unknown as Request;

describe('SignInThrottle', () => {
  it('keeps at most its bound of addresses, dropping the one whose last failure is oldest', () => {
    const now = 0;
    const throttle = new SignInThrottle({ maxFailures: 2, windowMs: 60_000 }, () => now, 3);
    for (const ip of ['a', 'a', 'b', 'c', 'd']) throttle.failed(from(ip));
    expect(throttle.size).toBe(3);
    // `a` was the stalest: forgotten, so it is no longer held back; `b`…`d` are still counted.
    expect(() => throttle.check(from('a'))).not.toThrow();
    throttle.failed(from('d'));
    expect(() => throttle.check(from('d'))).toThrow(HttpError);
  });

  it('answers 429 with the seconds left of the window, and lets the address in after it', () => {
    let now = 1_000;
    const throttle = new SignInThrottle({ maxFailures: 2, windowMs: 10_000 }, () => now);
    throttle.failed(from('x'));
    expect(() => throttle.check(from('x'))).not.toThrow();
    throttle.failed(from('x'));
    now += 2_500;
    let error: unknown;
    try {
      throttle.check(from('x'));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(HttpError);
    expect((error as HttpError).status).toBe(429);
    expect((error as HttpError).headers['Retry-After']).toBe('8');
    now += 7_500;
    expect(() => throttle.check(from('x'))).not.toThrow();
    expect(throttle.size).toBe(0);
  });
});
