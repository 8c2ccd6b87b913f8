/** Resolves after `ms`, or at once when `signal` aborts. */
export const pause = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    // Stryker disable next-line ObjectLiteral,BooleanLiteral: equivalent, `done` removes the listener itself.
    signal.addEventListener('abort', done, { once: true });
  });

/** The pacer's time: injectable so that tests can make every sleep overshoot as a busy machine's timers do. */
export interface PacerClock {
  now(): number;
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

const REAL_CLOCK: PacerClock = { now: () => performance.now(), sleep: pause };

/**
 * How far the schedule may run behind the clock, in intervals: enough to absorb a timer that fires 1 ms late at
 * the highest rate (0.72 ms apart), little enough to keep bursts to a few requests.
 */
const CATCH_UP_INTERVALS = 2;

/**
 * Spaces out the starts of end requests to one per `intervalMs` on average: in any window of `W` ms at most
 * `W / intervalMs + 4` requests start, however many callers wait at once (their turns are served in order).
 * At the highest setting, 1,380 per second, that is at most 13,804 in 10 s where SignalWire's budget is
 * 13,800: the few beyond it are answered 429, which the cleanup retries.
 *
 * The start times follow a schedule spaced by the interval, not the times the previous requests actually
 * started. Node's timers have a 1 ms granularity and fire late on a busy machine, so spacing each start from
 * the last one set the rate by the timer, not the budget: at 1,380 per second (0.72 ms apart) it ran well
 * below that (CHANGELOG 0.2.0, docs/benchmarks.md). A start never comes before its time in the schedule; after a timer fired late, the next
 * starts may follow at once, catching up on the schedule by at most two intervals; when the caller itself is
 * late (no call to end, a full pool), the schedule restarts from now, so no backlog builds up.
 */
export class Pacer {
  #due = Number.NEGATIVE_INFINITY;
  /** The previous caller's turn: waits are served one after the other, which the bound above relies on. */
  #turn: Promise<void> = Promise.resolve();
  /** Waits not yet served: with none, a caller whose turn is due takes it at once, with no promise chained. */
  #waiting = 0;

  constructor(
    private readonly intervalMs: number,
    private readonly clock: PacerClock = REAL_CLOCK,
  ) {}

  wait(signal: AbortSignal): Promise<void> {
    if (this.#waiting === 0) {
      // Nobody ahead: this caller's turn is now, as it would be one microtask later through the chain.
      const now = this.clock.now();
      const due = this.#next(now);
      if (due <= now) return SERVED;
      this.#waiting++;
      const turn = this.#sleep(due - now, signal);
      this.#turn = turn;
      return turn;
    }
    this.#waiting++;
    const turn = this.#turn.then(() => this.#take(signal));
    this.#turn = turn;
    return turn;
  }

  /** Takes the next start of the schedule, `now` or later. */
  #next(now: number): number {
    const due = Math.max(this.#due, now - CATCH_UP_INTERVALS * this.intervalMs);
    this.#due = due + this.intervalMs;
    return due;
  }

  async #take(signal: AbortSignal): Promise<void> {
    const now = this.clock.now();
    const due = this.#next(now);
    if (due > now) await this.#sleep(due - now, signal);
    else this.#waiting--;
  }

  async #sleep(ms: number, signal: AbortSignal): Promise<void> {
    try {
      await this.clock.sleep(ms, signal);
    } finally {
      this.#waiting--;
    }
  }
}

const SERVED: Promise<void> = Promise.resolve();
