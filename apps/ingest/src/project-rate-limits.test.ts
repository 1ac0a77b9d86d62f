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
async function refusal(limits: ProjectRateLimits, p: IngestProject, count: number) {
  try {
    await limits.take(p, count);
    return undefined;
  } catch (error) {
    if (!(error instanceof HttpError)) throw error;
    return { status: error.status, body: error.body, headers: error.headers };
  }
}

describe('ProjectRateLimits', () => {
  const at = 1000;
  const clock = () => at;

  it('uses the default rate for a project without its own, and its own otherwise', async () => {
    const limits = new ProjectRateLimits(2000, { now: clock });
    expect(await refusal(limits, project('a'), 2000)).toBeUndefined();
    expect(await refusal(limits, project('a'), 1)).toEqual({
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
    expect(await refusal(limits, own, 5000)).toBeUndefined();
    expect(await refusal(limits, own, 1000)).toMatchObject({ body: { retry_after_ms: 200 } });
  });

  it('keeps a bucket per project', async () => {
    const limits = new ProjectRateLimits(1024, { now: clock });
    expect(await refusal(limits, project('a'), 1024)).toBeUndefined();
    expect((await refusal(limits, project('a'), 1))?.status).toBe(429);
    expect(await refusal(limits, project('b'), 1024)).toBeUndefined();
  });

  it('a default of 0 limits only the projects with a limit of their own', async () => {
    const limits = new ProjectRateLimits(0, { now: clock });
    for (let i = 0; i < 100; i++) expect(await refusal(limits, project('a'), 1024)).toBeUndefined();
    expect(await refusal(limits, project('b', 1024), 1024)).toBeUndefined();
    expect((await refusal(limits, project('b', 1024), 1))?.status).toBe(429);
  });

  it('Retry-After is retry_after_ms in seconds, rounded up', async () => {
    const limits = new ProjectRateLimits(1, { now: clock });
    await limits.take(project('a'), 1024);
    expect(await refusal(limits, project('a'), 1500)).toMatchObject({
      body: { retry_after_ms: 1_024_000 },
      headers: { 'Retry-After': '1024' },
    });
    expect(await refusal(limits, project('a'), 2)).toMatchObject({
      body: { retry_after_ms: 2000 },
      headers: { 'Retry-After': '2' },
    });
  });

  it('holds a refusal until its tokens would be there, at most the hold; retry_after_ms is what is left', async () => {
    const limits = new ProjectRateLimits(1000, { now: clock, holdMs: 30, maxHeld: 1 });
    await limits.take(project('a'), 1024);
    // 1 token short: 1 ms, shorter than the hold.
    const soon = limits.take(project('a'), 1);
    expect(limits.held).toBe(1);
    await expect(soon).rejects.toMatchObject({ status: 429, body: { retry_after_ms: 0 } });
    // 500 short: 500 ms, held 30 of them.
    const later = refusal(limits, project('a'), 500);
    expect(limits.held).toBe(1);
    // One refusal held at most (maxHeld): this one is answered at once.
    expect(await refusal(limits, project('a'), 500)).toMatchObject({
      body: { retry_after_ms: 500 },
    });
    expect(await later).toMatchObject({ body: { retry_after_ms: 470 } });
    expect(limits.held).toBe(0);
  });

  it('answers the refusals it holds at once when ingest stops, retry_after_ms as they came', async () => {
    const stopping = new AbortController();
    const limits = new ProjectRateLimits(1, {
      now: clock,
      holdMs: 60_000,
      stopping: stopping.signal,
    });
    await limits.take(project('a'), 1024); // the whole bucket
    const held = refusal(limits, project('a'), 1); // 1 token short at 1/s: held 1 s
    expect(limits.held).toBe(1);
    stopping.abort();
    expect(await held).toMatchObject({ status: 429, body: { retry_after_ms: 1000 } });
    expect(limits.held).toBe(0);
    // Stopped: a refusal is not held at all.
    expect(await refusal(limits, project('a'), 1)).toMatchObject({
      body: { retry_after_ms: 1000 },
    });
  });

  it('holds many refusals at once without a listener-leak warning', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    try {
      const stopping = new AbortController();
      const limits = new ProjectRateLimits(1, {
        now: clock,
        holdMs: 60_000,
        stopping: stopping.signal,
      });
      await limits.take(project('a'), 1024);
      const held = Array.from({ length: 20 }, () => refusal(limits, project('a'), 1));
      expect(limits.held).toBe(20);
      await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on a tick
      stopping.abort();
      expect(await Promise.all(held)).toHaveLength(20);
      expect(warnings).not.toContain('MaxListenersExceededWarning');
    } finally {
      process.off('warning', onWarning);
    }
  });
});
