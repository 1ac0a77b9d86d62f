import { describe, expect, it } from 'vitest';
import { AppProcess, type ProcessExit } from '../../scripts/stack/app-process.js';

// scripts/stack/app-process.ts: an app the stack could not even start (with STACK_WORKER_NICE,
// `nice` missing from PATH) ends like one that exited, so the stack restarts it, gives up on it,
// or stops it, instead of waiting for an exit that never comes.

describe('an app process that cannot be started', () => {
  it('says why, ends as an unexpected exit, and stops at once', async () => {
    const lines: string[] = [];
    const unexpected: ProcessExit[] = [];
    const app = new AppProcess({
      label: 'worker',
      kind: 'worker',
      nice: 10,
      env: { PATH: '/nonexistent' }, // where `nice` is looked up
      onLine: (label, line) => lines.push(`${label} | ${line}`),
      onUnexpectedExit: (exit) => unexpected.push(exit),
    });
    app.spawn();
    expect(await app.stop(30_000)).toStrictEqual({ code: null, signal: null });
    expect(app.running()).toBe(false);
    expect(unexpected).toStrictEqual([{ code: null, signal: null }]);
    expect(lines).toStrictEqual(['worker | could not start: spawn nice ENOENT']);
  });
});
