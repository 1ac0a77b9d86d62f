import { describe, expect, it } from 'vitest';
import { waitUntilGone, type WaitOptions } from './wait-until-gone';

const GONE = new Error('404');
const isGone = (error: unknown) => error === GONE;

/** A clock that moves only when the wait pauses: every pause is recorded. */
function fakeTime(signal = new AbortController().signal) {
  let t = 0;
  const pauses: number[] = [];
  const options: WaitOptions = {
    timeoutMs: 1000,
    intervalMs: 300,
    signal,
    now: () => t,
    sleep: (ms) => {
      pauses.push(ms);
      t += ms;
      return Promise.resolve();
    },
  };
  return { options, pauses };
}

/** A read answering in turn: 'ok' resolves, an error is thrown. */
function reads(...answers: ('ok' | Error)[]) {
  let calls = 0;
  const read = () => {
    const answer = answers[Math.min(calls++, answers.length - 1)] ?? 'ok';
    return answer === 'ok' ? Promise.resolve({}) : Promise.reject(answer);
  };
  return { read, calls: () => calls };
}

describe('waitUntilGone', () => {
  it('is gone at the first read that fails as gone, after reads that succeeded', async () => {
    const { options, pauses } = fakeTime();
    const r = reads('ok', 'ok', GONE);
    expect(await waitUntilGone(r.read, isGone, options)).toStrictEqual({ status: 'gone' });
    expect(r.calls()).toBe(3);
    expect(pauses).toStrictEqual([300, 300]);
  });

  it('is still there at the deadline when every read succeeds', async () => {
    const { options, pauses } = fakeTime();
    const r = reads('ok');
    expect(await waitUntilGone(r.read, isGone, options)).toStrictEqual({
      status: 'still-there',
      lastError: undefined,
    });
    // Reads at 0, 300, 600, 900 and 1200 (the last one past the deadline), then it stops.
    expect(r.calls()).toBe(5);
    expect(pauses).toStrictEqual([300, 300, 300, 300]);
  });

  it('takes other failures for "not yet", and names the last one if it was the last read', async () => {
    const outage = new Error('The server could not be reached');
    const { options } = fakeTime();
    expect(await waitUntilGone(reads(outage).read, isGone, options)).toStrictEqual({
      status: 'still-there',
      lastError: outage,
    });
    const recovered = reads(outage, 'ok');
    expect(await waitUntilGone(recovered.read, isGone, fakeTime().options)).toStrictEqual({
      status: 'still-there',
      lastError: undefined,
    });
    expect(await waitUntilGone(reads(outage, GONE).read, isGone, fakeTime().options)).toStrictEqual(
      { status: 'gone' },
    );
  });

  it('stops when aborted, without reading again and without saying gone', async () => {
    const controller = new AbortController();
    const { options } = fakeTime(controller.signal);
    let calls = 0;
    const read = () => {
      calls++;
      controller.abort();
      return Promise.reject(GONE);
    };
    expect(await waitUntilGone(read, isGone, options)).toStrictEqual({ status: 'aborted' });
    expect(calls).toBe(1);
    controller.abort();
    expect(await waitUntilGone(read, isGone, options)).toStrictEqual({ status: 'aborted' });
    expect(calls).toBe(1);
  });

  it('pauses with a real timer that an abort cuts short', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const waiting = waitUntilGone(() => Promise.resolve({}), isGone, {
      timeoutMs: 60_000,
      intervalMs: 30_000,
      signal: controller.signal,
    });
    controller.abort();
    expect(await waiting).toStrictEqual({ status: 'aborted' });
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
