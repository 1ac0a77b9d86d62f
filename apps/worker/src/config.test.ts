import { describe, expect, it } from 'vitest';
import { loadConfig, selectedPartitions } from './config.js';

describe('selectedPartitions', () => {
  it('selects every partition for "all"', () => {
    expect(selectedPartitions('all', 4)).toEqual([0, 1, 2, 3]);
    expect(selectedPartitions('all', 1)).toEqual([0]);
  });

  it.each([
    ['5', 16, [5]],
    ['0,3,7', 8, [0, 3, 7]],
    ['0-3,8', 16, [0, 1, 2, 3, 8]],
    ['2-2', 4, [2]],
    ['12-15', 16, [12, 13, 14, 15]],
    ['0-15', 16, Array.from({ length: 16 }, (_, p) => p)],
  ])('reads the list %s (of %i partitions)', (list, partitions, expected) => {
    expect(selectedPartitions(list, partitions)).toEqual(expected);
  });

  it('removes duplicates and sorts', () => {
    expect(selectedPartitions('9,1-3,2,0-1,9,5', 16)).toEqual([0, 1, 2, 3, 5, 9]);
    expect(selectedPartitions('7,6,5', 8)).toEqual([5, 6, 7]);
  });

  it('accepts the last partition', () => {
    expect(selectedPartitions('3', 4)).toEqual([3]);
  });

  it.each([
    ['4', 4, 4],
    ['1,9', 8, 9],
    ['2-5', 4, 4],
    ['0-16', 16, 16],
  ])('refuses %s of %i partitions, naming the variable and partition %i', (list, partitions, p) => {
    expect(() => selectedPartitions(list, partitions)).toThrow(/WORKER_PARTITIONS/);
    expect(() => selectedPartitions(list, partitions)).toThrow(
      new RegExp(`\\b${p}\\b.*PARTITIONS=${partitions}`),
    );
  });
});

describe('loadConfig', () => {
  it('consumes every partition by default', () => {
    const config = loadConfig({});
    expect(config.WORKER_PARTITIONS).toBe('all');
    expect(selectedPartitions(config.WORKER_PARTITIONS, config.PARTITIONS)).toHaveLength(
      config.PARTITIONS,
    );
  });

  it.each(['all', '3', '0-3,8', '1,2,3', '0-1,4-5'])('accepts WORKER_PARTITIONS=%s', (value) => {
    expect(loadConfig({ WORKER_PARTITIONS: value }).WORKER_PARTITIONS).toBe(value);
  });

  it.each([
    '',
    'none',
    'ALL',
    'all,1',
    '1,',
    ',1',
    '1-',
    '-1',
    '1--3',
    '1-2-3',
    '1 2',
    ' 1',
    '1;2',
    '1.5',
    'x-3',
  ])('refuses WORKER_PARTITIONS=%j, naming the variable', (value) => {
    expect(() => loadConfig({ WORKER_PARTITIONS: value })).toThrow(/WORKER_PARTITIONS/);
  });

  it('names only the variable at fault', () => {
    expect(() => loadConfig({ WORKER_PARTITIONS: '0-3', METRICS_PORT: 'x' })).toThrow(
      /METRICS_PORT/,
    );
    expect(() => loadConfig({ WORKER_PARTITIONS: '0-3', METRICS_PORT: 'x' })).not.toThrow(
      /WORKER_PARTITIONS/,
    );
  });
});
