import { describe, expect, it } from 'vitest';
import { AppliedAhead } from './jobs-ahead.js';

describe('AppliedAhead', () => {
  it('answers true once for each job applied ahead, in its epoch only', () => {
    const ahead = new AppliedAhead();
    ahead.add('e1', [5, 6, 7]);
    expect(ahead.take('e1', 5)).toBe(true);
    expect(ahead.take('e1', 5)).toBe(false);
    expect(ahead.take('e2', 6)).toBe(false); // another life of the queue: same id, another job
    expect(ahead.take('e1', 6)).toBe(false); // and the new epoch forgot the old one's jobs
  });

  it('forgets jobs older than the one whose turn it is (they went to another process)', () => {
    const ahead = new AppliedAhead();
    ahead.add('e1', [3, 4, 9]);
    expect(ahead.take('e1', 8)).toBe(false);
    expect(ahead.take('e1', 3)).toBe(false);
    expect(ahead.take('e1', 4)).toBe(false);
    expect(ahead.take('e1', 9)).toBe(true);
  });

  it('knows nothing before anything was added', () => {
    expect(new AppliedAhead().take('e1', 1)).toBe(false);
  });
});
