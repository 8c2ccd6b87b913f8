/**
 * One change to a call at a time from this browser: a change is sent holding the call's Web Lock, which every tab
 * of this origin shares, so a single End, a redirect, a cancel and End all never send two changes to the same call
 * at once (a second end would reach SignalWire twice, and its answer could not say which one ended it).
 */

const lockName = (sid: string): string => `call-control-change-${sid}`;

/** Whether another change to the call holds its lock now (from this tab or another of this browser). */
export const lockHeld = async (sid: string): Promise<boolean> => {
  if (!navigator.locks) return false;
  const { held = [] } = await navigator.locks.query();
  return held.some((lock) => lock.name === lockName(sid));
};

/**
 * Runs `send` holding the call's lock, so no other tab sends a change to the same call meanwhile; false (nothing
 * run) when another change holds it. Without the Web Locks API (an old browser, plain http), `send` runs unguarded:
 * each caller keeps its own guard for its tab.
 */
export const holding = async (sid: string, send: () => Promise<void>): Promise<boolean> => {
  if (!navigator.locks) {
    await send();
    return true;
  }
  return navigator.locks.request(lockName(sid), { ifAvailable: true }, async (lock) => {
    if (!lock) return false;
    await send();
    return true;
  });
};
