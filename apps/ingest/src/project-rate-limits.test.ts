import { describe, expect, it } from 'vitest';
import { HttpError } from './http-error.js';
import type { IngestProject } from './project-lookup.js';
import { ProjectRateLimits } from './project-rate-limits.js';

const project = (id: string, rate?: number): IngestProject => ({
  id,
  rate_limit_per_s: rate,
  allow_public_erase: false,
  ordering: 'received',
});

/** The 429 `take` threw, or undefined when it took the tokens. */
function refusal(limits: ProjectRateLimits, p: IngestProject, count: number) {
  try {
    limits.take(p, count);
    return undefined;
  } catch (error) {
    if (!(error instanceof HttpError)) throw error;
    return { status: error.status, body: error.body, headers: error.headers };
  }
}

describe('ProjectRateLimits', () => {
  const at = 1000;
  const clock = () => at;

  it('uses the default rate for a project without its own, and its own otherwise', () => {
    const limits = new ProjectRateLimits(2000, clock);
    expect(refusal(limits, project('a'), 2000)).toBeUndefined();
    expect(refusal(limits, project('a'), 1)).toEqual({
      status: 429,
      body: {
        code: 429,
        error: 'Too many requests',
        retry_after_ms: 1,
        reason: "over the project's rate limit of 2000 identifications per second",
      },
      headers: { 'Retry-After': '1' },
    });
    const own = project('b', 5000);
    expect(refusal(limits, own, 5000)).toBeUndefined();
    expect(refusal(limits, own, 1000)).toMatchObject({ body: { retry_after_ms: 200 } });
  });

  it('keeps a bucket per project', () => {
    const limits = new ProjectRateLimits(1024, clock);
    expect(refusal(limits, project('a'), 1024)).toBeUndefined();
    expect(refusal(limits, project('a'), 1)?.status).toBe(429);
    expect(refusal(limits, project('b'), 1024)).toBeUndefined();
  });

  it('a default of 0 limits only the projects with a limit of their own', () => {
    const limits = new ProjectRateLimits(0, clock);
    for (let i = 0; i < 100; i++) expect(refusal(limits, project('a'), 1024)).toBeUndefined();
    expect(refusal(limits, project('b', 1024), 1024)).toBeUndefined();
    expect(refusal(limits, project('b', 1024), 1)?.status).toBe(429);
  });

  it('Retry-After is retry_after_ms in seconds, rounded up', () => {
    const limits = new ProjectRateLimits(1, clock);
    limits.take(project('a'), 1024);
    expect(refusal(limits, project('a'), 1500)).toMatchObject({
      body: { retry_after_ms: 1_024_000 },
      headers: { 'Retry-After': '1024' },
    });
    expect(refusal(limits, project('a'), 2)).toMatchObject({
      body: { retry_after_ms: 2000 },
      headers: { 'Retry-After': '2' },
    });
  });
});
