/**
 * Runs tasks at most `size` at a time. Tasks must not reject. A finished task hands its slot to the oldest
 * waiter directly, so waiting costs one promise per call, not a race over every task in flight.
 */
export class TaskPool {
  #running = 0;
  readonly #waiters: Array<() => void> = [];
  readonly #idle: Array<() => void> = [];

  constructor(private readonly size: number) {}

  /** Whether a task asking for a slot now would wait for one. */
  get full(): boolean {
    return this.#running + this.#waiters.length >= this.size;
  }

  /** Resolves once a task may start. */
  slot(): Promise<void> {
    if (this.#running + this.#waiters.length < this.size) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  start(task: () => Promise<void>): void {
    this.#running++;
    // `then` with handlers made once, not `finally`: `finally` wraps its callback in two closures and chains a
    // promise more, for every ended call.
    void task().then(this.#finished, this.#failed);
  }

  readonly #finished = (): void => {
    this.#running--;
    this.#waiters.shift()?.();
    if (this.#running === 0) for (const resolve of this.#idle.splice(0)) resolve();
  };

  /** A task that broke its promise not to reject frees its slot and still surfaces, as with `finally`. */
  readonly #failed = (error: unknown): never => {
    this.#finished();
    throw error;
  };

  /** Resolves once no task is running. */
  drain(): Promise<void> {
    if (this.#running === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }
}
