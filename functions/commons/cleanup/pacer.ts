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
  /**
   * Must never reject: the pacer has no error to give its waiting callers (a turn cannot fail), so a sleep that
   * rejects leaves the queue waiting for good, its rejection unhandled (which fails a test run, and ends a Node
   * process). Only a test's clock can: the pacer's own never sleeps through this (a Node timer, which cannot
   * fail), and production code injects no other.
   */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

/**
 * Node's own time. The pacer does not sleep through it: it keeps one timer of its own (see {@link Pacer}), so
 * `sleep` only serves other users of a clock.
 */
const REAL_CLOCK: PacerClock = { now: () => performance.now(), sleep: pause };

/**
 * How far the schedule may run behind the clock, in intervals: enough to absorb a timer that fires 1 ms late at
 * the highest rate (0.72 ms apart), little enough to keep bursts to a few requests.
 */
const CATCH_UP_INTERVALS = 2;

/** A caller waiting for its turn: how to let it go, and the signal that lets it go at once. */
interface Waiter {
  readonly release: () => void;
  readonly signal: AbortSignal;
}

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
 *
 * Waiting callers form one queue with one timer, for its head only: when it fires, every caller whose turn has
 * come by then goes, in order, and the timer is set again for the next one. An aborted signal lets its callers
 * go at once; the pacer listens to a signal once, not once per wait (the cleanup passes its run's signal to
 * every wait, and the end requests of a run at full pace wait some 1,000 times a second).
 */
export class Pacer {
  #due = Number.NEGATIVE_INFINITY;
  /** Callers not yet served, oldest first; the first is the head, whose turn the timer waits for. */
  readonly #queue: Waiter[] = [];
  /** The head's timer (Node's clock), cancelled when an abort lets the head go. */
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** The head's time in the schedule, which its timer waits for. */
  #headDue = 0;
  /** Sleeps of an injected clock started so far: a sleep that ends after the head changed is ignored. */
  #sleeps = 0;
  /** Signals the pacer listens to: the queued callers' and the last one's (kept for the next wait). */
  readonly #signals: AbortSignal[] = [];

  constructor(
    private readonly intervalMs: number,
    private readonly clock: PacerClock = REAL_CLOCK,
  ) {}

  wait(signal: AbortSignal): Promise<void> {
    if (this.#queue.length === 0) {
      // Nobody ahead: this caller's turn is now, with no promise made when it is due.
      const now = this.clock.now();
      const due = this.#next(now);
      if (due <= now || signal.aborted) return SERVED;
      const turn = this.#enqueue(signal);
      this.#arm(due, now);
      return turn;
    }
    if (signal.aborted) return SERVED;
    return this.#enqueue(signal);
  }

  /** Takes the next start of the schedule, `now` or later. */
  #next(now: number): number {
    const due = Math.max(this.#due, now - CATCH_UP_INTERVALS * this.intervalMs);
    this.#due = due + this.intervalMs;
    return due;
  }

  #enqueue(signal: AbortSignal): Promise<void> {
    if (!this.#signals.includes(signal)) {
      signal.addEventListener('abort', this.#aborted);
      this.#signals.push(signal);
    }
    return new Promise((release) => this.#queue.push({ release, signal }));
  }

  /** Wakes the pacer at `due` (`now` is the time) for the head's turn. */
  #arm(due: number, now: number): void {
    this.#headDue = due;
    if (this.clock === REAL_CLOCK) {
      this.#timer = setTimeout(this.#timed, due - now);
      return;
    }
    const sleep = ++this.#sleeps;
    void this.clock.sleep(due - now, (this.#queue[0] as Waiter).signal).then(() => {
      if (sleep === this.#sleeps) this.#woken();
    });
  }

  /**
   * The head's timer fired. Node's timers count whole milliseconds of libuv's clock, read when the loop last
   * woke: one may fire up to a millisecond or more before `performance.now()` reaches its time, and the head then
   * waits for the rest, so that no start comes before its time in the schedule.
   */
  readonly #timed = (): void => {
    const now = performance.now();
    if (now < this.#headDue) this.#arm(this.#headDue, now);
    else this.#woken();
  };

  /** The head's turn has come: it goes, and so does every caller after it whose turn has come by now. */
  readonly #woken = (): void => {
    (this.#queue.shift() as Waiter).release();
    this.#serve();
  };

  /** Serves the queue from its head: every caller whose turn has come goes, in order; the timer waits for the next. */
  #serve(): void {
    const queue = this.#queue;
    if (queue.length > 0) {
      const now = this.clock.now();
      do {
        const due = this.#next(now);
        if (due > now) {
          this.#arm(due, now);
          return;
        }
        (queue.shift() as Waiter).release();
      } while (queue.length > 0);
    }
    this.#forget();
  }

  /** A signal aborted: its callers go at once, the others keep their places in the queue. */
  readonly #aborted = (): void => {
    const queue = this.#queue;
    const head = queue[0];
    for (let i = 0; i < queue.length; ) {
      const waiter = queue[i] as Waiter;
      if (waiter.signal.aborted) {
        queue.splice(i, 1);
        waiter.release();
      } else i++;
    }
    for (let i = this.#signals.length - 1; i >= 0; i--) {
      const signal = this.#signals[i] as AbortSignal;
      if (!signal.aborted) continue;
      signal.removeEventListener('abort', this.#aborted);
      this.#signals.splice(i, 1);
    }
    if (queue[0] === head) return;
    // The head went: its timer goes too (none outlives the queue), and the new head takes the next turn.
    clearTimeout(this.#timer);
    this.#sleeps++;
    this.#serve();
  };

  /**
   * The queue is empty: the pacer stops listening to every signal but the latest, which the next wait most likely
   * passes again (a run passes its own signal to every wait, and drops it with the pacer).
   */
  #forget(): void {
    const signals = this.#signals;
    while (signals.length > 1) (signals.shift() as AbortSignal).removeEventListener('abort', this.#aborted);
  }
}

const SERVED: Promise<void> = Promise.resolve();
