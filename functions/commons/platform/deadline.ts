/**
 * Runs `work` with a signal that aborts after `ms` (a `TimeoutError`, as `AbortSignal.timeout` gives), and stops
 * the timer when `work` settles.
 *
 * Not `AbortSignal.timeout`: its timer outlives the invocation (it only goes when it fires, tens of seconds later,
 * or when the signal is garbage-collected, through a weak reference and a finalisation registry), so a warm
 * function kept one timer per invocation served in that time, each in a list of its own (the deadlines differ by
 * milliseconds), and paid for the weak reference at every collection. Nothing reads the signal once `work` is
 * done: a request ends with its invocation.
 */
export const withDeadline = async <T>(ms: number, work: (signal: AbortSignal) => Promise<T>): Promise<T> => {
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(timeoutReason()), Math.max(0, ms));
  try {
    return await work(deadline.signal);
  } finally {
    clearTimeout(timer);
  }
};

/** The reason `AbortSignal.timeout` aborts with. */
const timeoutReason = (): DOMException =>
  new DOMException('The operation was aborted due to timeout', 'TimeoutError');
