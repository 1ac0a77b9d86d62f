import { describe, expect, it } from 'vitest';
import { feedChange } from '@groupidentify/store/testing';
import { AnnouncedTail, type AnnouncedSegment } from './announced-tail.js';

/** A segment after `after` with a change at each of `positions`, up to `to`. */
const segment = (after: number, to: number, positions: number[]): AnnouncedSegment => ({
  after,
  to,
  changes: positions.map((position) => ({ position, change: feedChange(`g${position}`) })),
});

const positionsOf = (a: ReturnType<AnnouncedTail['after']>) =>
  a === undefined ? undefined : { to: a.to, at: a.changes.map((c) => c.position) };

/** A tail whose project `p` is being read (only read projects are kept). */
function readTail(now = 0): AnnouncedTail {
  const tail = new AnnouncedTail();
  tail.after('p', 0, 0, now);
  return tail;
}

/** A notice of project `p` committing `committed` (the segment's end), carrying `s` if given. */
const add = (
  tail: AnnouncedTail,
  s: AnnouncedSegment | undefined,
  now = 0,
  partition = 0,
  committed = s?.to ?? 0,
  bytesPerChange = 300,
) =>
  tail.add(
    partition,
    new Map([['p', committed]]),
    new Map(s === undefined ? [] : [['p', s]]),
    bytesPerChange,
    now,
  );

describe('announced tail', () => {
  it('gives every change after a position inside the run, and nothing outside it', () => {
    const tail = readTail();
    add(tail, segment(10, 15, [11, 13, 15]));
    add(tail, segment(15, 18, [16]));
    expect(positionsOf(tail.after('p', 0, 10, 0))).toEqual({ to: 18, at: [11, 13, 15, 16] });
    expect(positionsOf(tail.after('p', 0, 13, 0))).toEqual({ to: 18, at: [15, 16] });
    expect(positionsOf(tail.after('p', 0, 16, 0))).toEqual({ to: 18, at: [] });
    expect(tail.after('p', 0, 9, 0)).toBeUndefined(); // before the run: not all known
    expect(tail.after('p', 0, 18, 0)).toBeUndefined(); // at its end: nothing to give
    expect(tail.after('p', 1, 10, 0)).toBeUndefined(); // another partition
    expect(tail.after('q', 0, 10, 0)).toBeUndefined(); // another project
  });

  it('starts again where a notice does not follow on (one was lost)', () => {
    const tail = readTail();
    add(tail, segment(10, 15, [11]));
    add(tail, segment(20, 22, [21]));
    expect(tail.after('p', 0, 10, 0)).toBeUndefined();
    expect(positionsOf(tail.after('p', 0, 20, 0))).toEqual({ to: 22, at: [21] });
  });

  it('drops the run on a notice of the project without its changes (an erasure, say)', () => {
    const tail = readTail();
    add(tail, segment(10, 15, [11]));
    add(tail, undefined, 0, 0, 16);
    expect(tail.after('p', 0, 10, 0)).toBeUndefined();
    // The next changes start a new run: the dropped ones are not taken back.
    add(tail, segment(16, 17, [17]));
    expect(tail.after('p', 0, 10, 0)).toBeUndefined();
    expect(positionsOf(tail.after('p', 0, 16, 0))).toEqual({ to: 17, at: [17] });
  });

  it('keeps the latest 1,000 changes, from the last one it let go', () => {
    const tail = readTail();
    const positions = (first: number, count: number) =>
      Array.from({ length: count }, (_, i) => first + i);
    add(tail, segment(0, 900, positions(1, 900)));
    expect(positionsOf(tail.after('p', 0, 0, 0))?.at).toHaveLength(900);
    // 1,100 changes: the first 100 go, and the run starts at the 100th.
    add(tail, segment(900, 1_100, positions(901, 200)));
    expect(tail.after('p', 0, 99, 0)).toBeUndefined();
    const kept = positionsOf(tail.after('p', 0, 100, 0));
    expect(kept?.at).toHaveLength(1_000);
    expect(kept?.at[0]).toBe(101);
    expect(kept?.to).toBe(1_100);
  });

  it('drops a run that no notice has extended for 10 s', () => {
    const tail = readTail();
    add(tail, segment(10, 15, [11]), 0);
    expect(tail.after('p', 0, 10, 10_000)).toBeDefined();
    expect(tail.after('p', 0, 10, 10_001)).toBeUndefined();
    // Nor does a late notice extend it.
    add(tail, segment(15, 16, [16]), 10_002);
    expect(tail.after('p', 0, 10, 10_002)).toBeUndefined();
    expect(positionsOf(tail.after('p', 0, 15, 10_002))).toEqual({ to: 16, at: [16] });
  });

  it('takes nothing from a late notice (a stalled worker’s, after newer ones)', () => {
    const tail = readTail();
    add(tail, segment(10, 15, [11]));
    add(tail, undefined, 0, 0, 20); // the batch redone by another worker, say
    add(tail, segment(20, 22, [21]));
    add(tail, segment(4, 15, [5, 11])); // the stalled worker's notice, at last
    expect(tail.after('p', 0, 4, 0)).toBeUndefined();
    expect(tail.after('p', 0, 10, 0)).toBeUndefined();
    // It also ended the run it arrived in the middle of.
    expect(tail.after('p', 0, 20, 0)).toBeUndefined();
  });

  it('keeps about 1 MB of changes per run, as their notices carried them', () => {
    const tail = readTail();
    const positions = Array.from({ length: 300 }, (_, i) => i + 1);
    add(tail, segment(0, 300, positions), 0, 0, 300, 10_000); // 3 MB
    const kept = positionsOf(tail.after('p', 0, 200, 0));
    expect(kept?.at).toHaveLength(100);
    expect(tail.after('p', 0, 199, 0)).toBeUndefined();
  });

  it('forgets every run when told notices may have been lost (a reconnect)', () => {
    const tail = readTail();
    add(tail, segment(10, 15, [11]));
    add(tail, segment(3, 4, [4]), 0, 1);
    tail.clear();
    expect(tail.after('p', 0, 10, 0)).toBeUndefined();
    expect(tail.after('p', 1, 3, 0)).toBeUndefined();
  });

  it('keeps only the changes of projects read in the last minute', () => {
    const tail = new AnnouncedTail();
    add(tail, segment(10, 15, [11]), 0);
    expect(tail.after('p', 0, 10, 0)).toBeUndefined(); // not read before the notice
    add(tail, segment(15, 16, [16]), 1_000);
    expect(tail.after('p', 0, 15, 1_000)).toBeDefined();
    add(tail, segment(16, 17, [17]), 62_000); // read at 1 s: over a minute ago
    expect(tail.after('p', 0, 16, 62_000)).toBeUndefined();
  });
});
