import type { PacerClock } from '#commons/cleanup/pacer';

/**
 * A pacer clock whose sleeps end only when the test says, whatever the signal: `wakeAt(time)` sets the time and
 * ends the oldest sleep still going; `sleepers` are the sleeps begun and not yet ended, oldest first.
 */
export const manualClock = () => {
  let time = 0;
  const sleepers: Array<() => void> = [];
  const clock: PacerClock = {
    now: () => time,
    sleep: () => new Promise<void>((wake) => sleepers.push(wake)),
  };
  return {
    clock,
    sleepers: sleepers as ReadonlyArray<() => void>,
    now: () => time,
    wakeAt(at: number): void {
      time = at;
      sleepers.shift()?.();
    },
  };
};
