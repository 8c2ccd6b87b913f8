/**
 * Ctrl-C (SIGINT), SIGTERM or SIGHUP (the terminal or SSH session was lost) while a batch is sending: the first stops sending (a request already sent is
 * waited for, so its outcome is reported, never left half-known); a second stops waiting, and the caller reports
 * what it knows, naming the requests whose outcome is unknown, before the process exits.
 */
export interface InterruptWatch {
  /** True once a first signal arrived: send nothing more. */
  readonly interrupted: boolean;
  /** Removes the handlers (the batch is over). */
  dispose(): void;
}

// SIGHUP's default would kill the process mid-batch with nothing reported: a lost SSH session is one more
// reason to stop, not to leave calls half-known (what is written then goes nowhere, see command.ts's writers).
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export const watchInterrupts = (handlers: { first(): void; second(): void }): InterruptWatch => {
  let count = 0;
  const onSignal = () => {
    count++;
    if (count === 1) handlers.first();
    else if (count === 2) handlers.second();
  };
  for (const signal of SIGNALS) process.on(signal, onSignal);
  return {
    get interrupted() {
      return count > 0;
    },
    dispose: () => {
      for (const signal of SIGNALS) process.off(signal, onSignal);
    },
  };
};
