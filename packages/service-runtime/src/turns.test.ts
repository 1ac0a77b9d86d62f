import { describe, expect, it } from 'vitest';
import { Turns } from './turns.js';

/** A read that runs until `finish()`: records when it started. */
function pendingRead(log: string[], name: string) {
  let finish: () => void = () => undefined;
  const finished = new Promise<string>((resolve) => (finish = () => resolve(name)));
  return {
    read: () => {
      log.push(name);
      return finished;
    },
    finish: () => finish(),
  };
}

/** Lets pending callbacks run: a turn is handed on in an immediate, after the loop's I/O. */
const settle = async () => {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
};

describe('Turns', () => {
  it('runs at most perKey reads of a key at once; the next starts when one ends, in order', async () => {
    const turns = new Turns(2);
    const log: string[] = [];
    const reads = ['a1', 'a2', 'a3', 'a4'].map((name) => pendingRead(log, name));
    const results = reads.map((r) => turns.run('A', r.read));
    await settle();
    expect(log).toStrictEqual(['a1', 'a2']);
    expect(turns.waiting('A')).toBe(2);

    reads[1]?.finish();
    await settle();
    expect(log).toStrictEqual(['a1', 'a2', 'a3']);
    reads[0]?.finish();
    await settle();
    expect(log).toStrictEqual(['a1', 'a2', 'a3', 'a4']);
    reads[2]?.finish();
    reads[3]?.finish();
    expect(await Promise.all(results)).toStrictEqual(['a1', 'a2', 'a3', 'a4']);
    expect(turns.waiting('A')).toBe(0);
  });

  it("another project's read runs at once while one project's wait", async () => {
    const turns = new Turns(1);
    const log: string[] = [];
    const a = [pendingRead(log, 'a1'), pendingRead(log, 'a2')];
    for (const r of a) void turns.run('A', r.read);
    const b = pendingRead(log, 'b1');
    const bDone = turns.run('B', b.read);
    await settle();
    expect(log).toStrictEqual(['a1', 'b1']);
    b.finish();
    expect(await bDone).toBe('b1');
    expect(turns.waiting('A')).toBe(1);
    for (const r of a) r.finish();
  });

  it('hands a turn on only after the I/O and immediates already waiting, not straight from the last read', async () => {
    const turns = new Turns(1);
    const log: string[] = [];
    const reads = [pendingRead(log, 'a1'), pendingRead(log, 'a2')];
    const done = reads.map((r) => turns.run('A', r.read));
    await settle();
    reads[0]?.finish();
    setImmediate(() => log.push('other request'));
    await done[0];
    await settle();
    expect(log).toStrictEqual(['a1', 'other request', 'a2']);
    reads[1]?.finish();
    await done[1];
  });

  it('a read that fails gives its turn back', async () => {
    const turns = new Turns(1);
    await expect(turns.run('A', () => Promise.reject(new Error('store down')))).rejects.toThrow(
      'store down',
    );
    expect(await turns.run('A', () => Promise.resolve('next'))).toBe('next');
  });

  it('a wait with a signal that aborts leaves the line without a turn; the next in line gets it', async () => {
    const turns = new Turns(1);
    const end = await turns.take('A');
    const giveUp = new AbortController();
    const leaving = turns.take('A', giveUp.signal);
    const next = turns.take('A');
    expect(turns.waiting('A')).toBe(2);
    giveUp.abort();
    expect(await leaving).toBeUndefined();
    expect(turns.waiting('A')).toBe(1);
    end();
    const endNext = await next;
    expect(turns.waiting('A')).toBe(0);
    endNext();
    expect(await turns.take('A', AbortSignal.abort())).toBeDefined(); // a free turn is taken
  });

  it('ending a turn twice frees it once', async () => {
    const turns = new Turns(1);
    const end = await turns.take('A');
    const log: string[] = [];
    const waiting = [pendingRead(log, 'a2'), pendingRead(log, 'a3')];
    for (const r of waiting) void turns.run('A', r.read);
    end();
    end();
    await settle();
    expect(log).toStrictEqual(['a2']);
    for (const r of waiting) r.finish();
  });
});
