import type { PartitionsBacklog } from '../api/types';

/** One poll of `/api/admin/partitions`, stamped with when the page received it. */
export interface Sample {
  at: number;
  backlog: readonly number[];
  oldestAgeSeconds: readonly number[];
}

export function sampleOf(at: number, body: PartitionsBacklog): Sample {
  return {
    at,
    backlog: body.partitions.map((p) => p.backlog_jobs),
    oldestAgeSeconds: body.partitions.map((p) => p.oldest_job_age_seconds),
  };
}

/** The samples of the last `windowMs` up to `sample`, oldest first (the page keeps no more). */
export function keepWindow(samples: readonly Sample[], sample: Sample, windowMs: number): Sample[] {
  return [...samples, sample].filter((s) => s.at > sample.at - windowMs && s.at <= sample.at);
}

/** A figure across partitions at each sample: the total backlog, the largest lag. */
export function seriesOf(
  samples: readonly Sample[],
  pick: (s: Sample) => readonly number[],
  combine: (values: readonly number[]) => number,
): { at: number; value: number }[] {
  return samples.map((s) => ({ at: s.at, value: combine(pick(s)) }));
}

export const total = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);
export const largest = (values: readonly number[]): number => Math.max(0, ...values);
