/**
 * One change to a call at a time from this browser: a change is sent holding the call's Web Lock, which every tab
 * of this origin shares, so a single End, a redirect, a cancel and End all never send two changes to the same call
 * at once (a second end would reach SignalWire twice, and its answer could not say which one ended it).
 */

const lockName = (sid: string): string => `call-control-change-${sid}`;

/**
 * The calls this tab is sending a change to, whoever sends it (a single End, a redirect, a cancel, End all): without
 * the Web Locks API (plain http), the only guard there is, and it must be one guard for all of them.
 */
const mine = new Set<string>();

/**
 * Asks before the tab is closed or reloaded while a change it sent has no answer yet (a slow API): the answer, and
 * with it whether the call was changed, would be lost with the page.
 */
const askBeforeLeaving = (event: BeforeUnloadEvent): void => {
  event.preventDefault();
};

/** How long this browser's lock manager may take to answer (it takes milliseconds) before it is given up. */
export const LOCK_ANSWER_MS = 5_000;

/** Whether another change to the call holds its lock now (from this tab or another of this browser). */
export const lockHeld = async (sid: string): Promise<boolean> => {
  if (mine.has(sid)) return true;
  if (!navigator.locks) return false;
  const { held = [] } = await navigator.locks.query();
  return held.some((lock) => lock.name === lockName(sid));
};

/**
 * Runs `send` holding the call's lock, so no other change to the same call, from this tab or another, is sent
 * meanwhile; false (nothing run) when another change holds it. Without the Web Locks API (an old browser, plain
 * http), this tab's guard only: other tabs are not guarded.
 */
export const holding = async (sid: string, send: () => Promise<void>): Promise<boolean> => {
  if (mine.has(sid)) return false;
  mine.add(sid);
  if (mine.size === 1) window.addEventListener('beforeunload', askBeforeLeaving);
  let sending: Promise<void> | undefined;
  try {
    if (!navigator.locks) {
      await send();
      return true;
    }
    // A lock manager that never grants nor refuses would leave this guard, and with it the tab's question before
    // closing, held for good with nothing sent: it is given up (a rejection, nothing sent), and a grant that comes
    // after that sends nothing.
    let givenUp = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const silence = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        givenUp = true;
        reject(new Error(`it did not answer within ${LOCK_ANSWER_MS / 1000} s`));
      }, LOCK_ANSWER_MS);
    });
    const granted = navigator.locks.request(lockName(sid), { ifAvailable: true }, async (lock) => {
      clearTimeout(timer);
      if (!lock || givenUp) return false;
      sending = send();
      await sending;
      return true;
    });
    // The losing side of the race is never left an unhandled rejection.
    granted.catch(() => undefined);
    try {
      return await Promise.race([granted, silence]);
    } finally {
      clearTimeout(timer);
    }
  } finally {
    // A lock another tab took away (`steal`) rejects the request at once, the send still on its way: this tab's own
    // guard holds until that send's answer, so a second press here cannot send the same call a second change.
    await sending?.catch(() => undefined);
    mine.delete(sid);
    if (mine.size === 0) window.removeEventListener('beforeunload', askBeforeLeaving);
  }
};
