import type { GroupKey } from '@groupidentify/ops';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { partitionOf } from './partition.js';

const keyArb = fc.record({
  project: fc.string(),
  group_type: fc.string(),
  group_value: fc.string({ unit: 'binary' }),
});

/** Every way of cutting `text` into the three fields of a key. */
function splits(text: string): GroupKey[] {
  const keys: GroupKey[] = [];
  for (let i = 0; i <= text.length; i++)
    for (let j = i; j <= text.length; j++)
      keys.push({
        project: text.slice(0, i),
        group_type: text.slice(i, j),
        group_value: text.slice(j),
      });
  return keys;
}

/** How many of `keys` land in each of `partitions` partitions. */
function counts(keys: readonly GroupKey[], partitions: number): number[] {
  const out = new Array<number>(partitions).fill(0);
  for (const key of keys) {
    const p = partitionOf(key, partitions);
    out[p] = (out[p] ?? 0) + 1;
  }
  return out;
}

describe('partitionOf', () => {
  it('is an integer in 0..partitions-1', () => {
    fc.assert(
      fc.property(keyArb, fc.integer({ min: 1, max: 10_000 }), (key, partitions) => {
        const p = partitionOf(key, partitions);
        expect(Number.isInteger(p)).toBe(true);
        expect(p).toBeGreaterThanOrEqual(0);
        expect(p).toBeLessThan(partitions);
      }),
      { numRuns: 2000 },
    );
  });

  it('puts everything in partition 0 when there is one partition', () => {
    fc.assert(fc.property(keyArb, (key) => partitionOf(key, 1) === 0));
  });

  it('gives the same key the same partition, every time', () => {
    fc.assert(
      fc.property(keyArb, fc.integer({ min: 1, max: 1024 }), (key, partitions) => {
        const copy = { ...key };
        expect(partitionOf(copy, partitions)).toBe(partitionOf(key, partitions));
        expect(partitionOf(key, partitions)).toBe(partitionOf(key, partitions));
      }),
    );
  });

  it('reads each field apart: keys that concatenate alike may land apart', () => {
    // A hash of the concatenated fields would put every split of one text in one partition.
    const texts = ['ab', 'abc', 'abcd', 'company42', 'p1orgacme'];
    let found: [GroupKey, GroupKey] | undefined;
    for (const text of texts) {
      const [first, ...others] = splits(text);
      if (first === undefined) continue;
      const other = others.find((k) => partitionOf(k, 16) !== partitionOf(first, 16));
      if (other !== undefined) {
        found = [first, other];
        break;
      }
    }
    if (found === undefined) throw new Error('every split of every text landed in one partition');
    const [a, b] = found;
    expect(a.project + a.group_type + a.group_value).toBe(b.project + b.group_type + b.group_value);
    expect(partitionOf(a, 16)).not.toBe(partitionOf(b, 16));
  });

  it('moves a character across a field boundary to another partition for most keys', () => {
    // ("ab","c") against ("a","bc"): the same characters, one field boundary moved.
    const keys = fc.sample(
      fc.record({
        left: fc.string({ minLength: 2, maxLength: 12 }),
        right: fc.string({ maxLength: 12 }),
        group_value: fc.string({ maxLength: 12 }),
      }),
      { numRuns: 400, seed: 7 },
    );
    const apart = keys.filter(
      ({ left, right, group_value }) =>
        partitionOf({ project: left, group_type: right, group_value }, 16) !==
        partitionOf(
          { project: left.slice(0, -1), group_type: left.slice(-1) + right, group_value },
          16,
        ),
    );
    // With 16 partitions, unrelated keys collide 1 time in 16.
    expect(apart.length).toBeGreaterThan(keys.length / 2);
  });

  it('spreads random keys evenly over 16 partitions', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(
          fc.record({
            project: fc.constantFrom('p1', 'p2', '65f0c0ffee'),
            group_type: fc.constantFrom('company', 'org', 'team'),
            group_value: fc.string({ minLength: 1, maxLength: 20 }),
          }),
          {
            minLength: 3200,
            maxLength: 3200,
            selector: (k) => JSON.stringify([k.project, k.group_type, k.group_value]),
          },
        ),
        (keys) => {
          const perPartition = counts(keys, 16);
          const mean = keys.length / 16;
          expect(Math.min(...perPartition)).toBeGreaterThan(0);
          expect(Math.max(...perPartition)).toBeLessThanOrEqual(2 * mean);
        },
      ),
      { numRuns: 20, endOnFailure: true }, // shrinking 3,200 keys would take minutes
    );
  });

  it('spreads sequential ids evenly over 16 partitions', () => {
    const keys = Array.from({ length: 3200 }, (_, i) => ({
      project: 'p1',
      group_type: 'company',
      group_value: String(i + 1),
    }));
    const perPartition = counts(keys, 16);
    expect(Math.min(...perPartition)).toBeGreaterThan(0);
    expect(Math.max(...perPartition)).toBeLessThanOrEqual(2 * (keys.length / 16));
  });
});
