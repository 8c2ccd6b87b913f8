/** The most starts (sorted times, ms) in any window of `windowMs`, inclusive at both ends: the pacer's bound. */
export const busiestWindow = (starts: readonly number[], windowMs: number): number => {
  let most = 0;
  for (let first = 0, last = 0; first < starts.length; first++) {
    while (last < starts.length && (starts[last] as number) - (starts[first] as number) <= windowMs) last++;
    most = Math.max(most, last - first);
  }
  return most;
};
