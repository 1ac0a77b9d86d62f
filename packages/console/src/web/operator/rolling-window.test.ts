import { describe, expect, it } from 'vitest';
import { keepWindow, largest, sampleOf, seriesOf, total, type Sample } from './rolling-window';

const sample = (at: number, backlog: number[], ages: number[]): Sample => ({
  at,
  backlog,
  oldestAgeSeconds: ages,
});

describe('keepWindow', () => {
  it('keeps what is newer than the window, oldest first', () => {
    let samples: Sample[] = [];
    for (const at of [0, 1000, 2000, 3000]) samples = keepWindow(samples, sample(at, [], []), 2500);
    expect(samples.map((s) => s.at)).toStrictEqual([1000, 2000, 3000]);
  });
});

describe('seriesOf', () => {
  it('totals the backlog and takes the largest lag across partitions', () => {
    const samples = [sample(1, [1, 2], [0.5, 3]), sample(2, [0, 0], [0, 0])];
    expect(seriesOf(samples, (s) => s.backlog, total)).toStrictEqual([
      { at: 1, value: 3 },
      { at: 2, value: 0 },
    ]);
    expect(seriesOf(samples, (s) => s.oldestAgeSeconds, largest).map((p) => p.value)).toStrictEqual(
      [3, 0],
    );
  });

  it('reads a poll of the API', () => {
    const s = sampleOf(5, {
      refreshed_at: null,
      partitions: [{ partition: 0, backlog_jobs: 7, oldest_job_age_seconds: 1.5 }],
    });
    expect(s).toStrictEqual({ at: 5, backlog: [7], oldestAgeSeconds: [1.5] });
  });
});
