import { describe, expect, it } from 'vitest';
import { withDeadline } from '#commons/platform/deadline';

const pendingTimers = (): number =>
  process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;

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
    // Prepare
    const before = pendingTimers();
    let kept: AbortSignal | undefined;

    // Act
    const answer = await withDeadline(30, async (signal) => {
      kept = signal;
      expect(pendingTimers()).toBe(before + 1);
      return 'answered';
    });
    const failure = await withDeadline(30, async () => {
      throw new Error('refused');
    }).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 60));

    // Assess
    expect(answer).toBe('answered');
    expect(failure).toMatchObject({ message: 'refused' });
    expect(pendingTimers()).toBe(before);
    expect(kept?.aborted).toBe(false);
  });
});
