import { describe, expect, it, vi } from 'vitest';
import { withDeadline } from '#commons/platform/deadline';

describe('withDeadline', () => {
  it('aborts the signal with a TimeoutError, as AbortSignal.timeout does, once the time is up', async () => {
    // Prepare
    const reason = withDeadline(
      20,
      (signal) =>
        new Promise<unknown>((resolve) => signal.addEventListener('abort', () => resolve(signal.reason))),
    );

    // Act
    const got = await reason;

    // Assess
    expect(got).toBeInstanceOf(DOMException);
    expect(got).toMatchObject({ name: 'TimeoutError', message: 'The operation was aborted due to timeout' });
  });

  it('aborts at once when the time is already up (a negative budget)', async () => {
    const aborted = await withDeadline(
      -500,
      (signal) =>
        new Promise<boolean>((resolve) => signal.addEventListener('abort', () => resolve(signal.aborted))),
    );

    expect(aborted).toBe(true);
  });

  it('leaves no timer behind once the work is done, answered or failed, and never aborts its signal afterwards', async () => {
    // Prepare: the timers withDeadline starts and stops (counting every timer of the process would also count the
    // test runner's own, which come and go on a busy machine)
    const started = new Set<unknown>();
    const stopped = new Set<unknown>();
    const setSpy = vi.spyOn(globalThis, 'setTimeout');
    const clearSpy = vi.spyOn(globalThis, 'clearTimeout');
    const kept: AbortSignal[] = [];

    // Act
    let answer: string;
    let failure: unknown;
    try {
      answer = await withDeadline(30, async (signal) => {
        kept.push(signal);
        return 'answered';
      });
      failure = await withDeadline(30, async (signal) => {
        kept.push(signal);
        throw new Error('refused');
      }).catch((error: unknown) => error);
      for (const result of setSpy.mock.results) started.add(result.value);
      for (const [handle] of clearSpy.mock.calls) stopped.add(handle);
    } finally {
      setSpy.mockRestore();
      clearSpy.mockRestore();
    }
    // Past both deadlines: a timer left running would have fired and aborted its signal by now.
    await new Promise((resolve) => setTimeout(resolve, 60));

    // Assess
    expect(answer).toBe('answered');
    expect(failure).toMatchObject({ message: 'refused' });
    expect(started.size).toBe(2);
    expect([...started].filter((timer) => !stopped.has(timer))).toEqual([]);
    expect(kept.map((signal) => signal.aborted)).toEqual([false, false]);
  });
});
