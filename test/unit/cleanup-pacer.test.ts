import { getEventListeners } from 'node:events';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Pacer, type PacerClock, pause } from '#commons/cleanup/pacer';
import { busiestWindow } from '../support/busiest-window.ts';
import { manualClock } from '../support/manual-clock.ts';

const SEED = Number(process.env.FC_SEED ?? 20_261_130);

/**
 * A simulated clock: every sleep ends `overshoot()` ms after it was due, as Node's timers do (1 ms granularity,
 * later on a busy machine), and the caller may itself spend time between two waits.
 */
const simulated = (overshoot: () => number) => {
  let now = 0;
  const clock: PacerClock = {
    now: () => now,
    sleep: async (ms) => {
      now += ms + overshoot();
    },
  };
  return { clock, advance: (ms: number) => (now += ms), now: () => now };
};

/** Starts `count` requests through the pacer, the caller spending `work(i)` ms before asking for each. */
const startTimes = async (
  pacer: Pacer,
  sim: ReturnType<typeof simulated>,
  count: number,
  work: (i: number) => number = () => 0,
): Promise<number[]> => {
  const signal = new AbortController().signal;
  const starts: number[] = [];
  for (let i = 0; i < count; i++) {
    sim.advance(work(i));
    await pacer.wait(signal);
    starts.push(sim.now());
  }
  return starts;
};

describe('Pacer', () => {
  it('defect: 1,380 per second ran at about 770 when every timer fired late; the schedule now keeps the rate', async () => {
    // 0.72 ms apart, and every sleep ends 1 ms late (Node's timer granularity).
    const sim = simulated(() => 1);
    const interval = 1000 / 1380;

    const starts = await startTimes(new Pacer(interval, sim.clock), sim, 1380);

    // Spacing each start from the previous one would take 1,380 × 1.72 ms ≈ 2.4 s.
    expect(starts.at(-1)).toBeLessThanOrEqual(1000 + 1);
  });

  it('never starts more than W / interval + 4 in any window, whatever the timers and the caller do', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 1380 }),
        fc.array(fc.double({ min: 0, max: 5, noNaN: true }), { minLength: 1, maxLength: 50 }),
        fc.array(fc.double({ min: 0, max: 3, noNaN: true }), { minLength: 1, maxLength: 50 }),
        fc.integer({ min: 1, max: 3000 }),
        async (perSecond, overshoots, works, windowMs) => {
          let o = 0;
          const sim = simulated(() => overshoots[o++ % overshoots.length] as number);
          const interval = 1000 / perSecond;

          const starts = await startTimes(
            new Pacer(interval, sim.clock),
            sim,
            300,
            (i) => works[i % works.length] as number,
          );

          expect(busiestWindow(starts, windowMs)).toBeLessThanOrEqual(Math.floor(windowMs / interval) + 4);
          for (let i = 1; i < starts.length; i++) {
            expect(starts[i]).toBeGreaterThanOrEqual(starts[i - 1] as number);
          }
        },
      ),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('builds no backlog: after the caller was idle, at most three start at once, then one per interval', async () => {
    const sim = simulated(() => 0);
    const pacer = new Pacer(50, sim.clock);

    const first = await startTimes(pacer, sim, 5);
    sim.advance(10_000);
    const later = await startTimes(pacer, sim, 5);

    expect(first).toEqual([0, 0, 0, 50, 100]);
    expect(later).toEqual([10_100, 10_100, 10_100, 10_150, 10_200]);
  });

  it('serves callers that wait at once in turn: a stalled event loop does not release them all together', async () => {
    // Sleeps end only when the test moves the clock: a stall of 100 ms wakes every sleeper that is due by then.
    let now = 0;
    const sleepers: Array<{ until: number; wake: () => void }> = [];
    const clock: PacerClock = {
      now: () => now,
      sleep: (ms) => new Promise<void>((wake) => sleepers.push({ until: now + ms, wake })),
    };
    const settle = () => new Promise<void>((resolve) => setImmediate(resolve));
    const advanceTo = async (time: number) => {
      now = time;
      for (const sleeper of sleepers.splice(0)) {
        if (sleeper.until <= now) sleeper.wake();
        else sleepers.push(sleeper);
      }
      await settle();
    };
    const pacer = new Pacer(10, clock);
    const signal = new AbortController().signal;
    const starts: number[] = [];

    for (let i = 0; i < 8; i++) void pacer.wait(signal).then(() => starts.push(now));
    await settle();
    await advanceTo(100);
    for (let time = 110; starts.length < 8; time += 10) await advanceTo(time);

    expect(starts).toEqual([0, 0, 0, 100, 100, 100, 100, 110]);
    expect(busiestWindow(starts, 0)).toBeLessThanOrEqual(4);
  });

  it('serves a due caller with nobody waiting ahead at once, before the next microtask, also after callers slept and queued', async () => {
    // The cleanup asks once per end request: a turn that is due costs no promise chain (bench: cleanup CPU).
    const manual = manualClock();
    const pacer = new Pacer(10, manual.clock);
    const signal = new AbortController().signal;
    /** Whether the pacer let the caller go before a microtask queued right after its call. */
    const servedAtOnce = async (): Promise<boolean> => {
      const order: string[] = [];
      const served = pacer.wait(signal).then(() => order.push('served'));
      await Promise.resolve().then(() => order.push('next microtask'));
      await served;
      return order[0] === 'served';
    };

    expect(await servedAtOnce()).toBe(true);
    await pacer.wait(signal);
    await pacer.wait(signal);
    // The next turn is 10 ms away: this caller sleeps, the two after it queue behind it.
    const queued = [pacer.wait(signal), pacer.wait(signal), pacer.wait(signal)];
    expect(manual.sleepers).toHaveLength(1);
    manual.wakeAt(100);
    await Promise.all(queued);
    // Both queued callers were due when their turn came (catch-up): nobody waits now, so the next goes at once.
    expect(manual.sleepers).toHaveLength(0);
    expect(await servedAtOnce()).toBe(true);
  });
});

/** The cleanup's pause between rounds of throttled end requests, cut short when the run's time is up. */
describe('pause', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** Whether `promise` has settled once pending callbacks ran, without moving the clock. */
  const settled = async (promise: Promise<void>): Promise<boolean> => {
    let done = false;
    void promise.then(() => (done = true));
    await vi.advanceTimersByTimeAsync(0);
    return done;
  };

  it('ends at once when the run was already stopped', async () => {
    const stop = new AbortController();
    stop.abort();

    expect(await settled(pause(60_000, stop.signal))).toBe(true);
  });

  it('ends at once when the run stops mid-pause, leaving no timer to hold the Lambda open', async () => {
    const stop = new AbortController();
    const paused = pause(60_000, stop.signal);
    expect(await settled(paused)).toBe(false);

    stop.abort();

    expect(await settled(paused)).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('leaves no abort listener behind when it runs its time, however many pauses share the run', async () => {
    const stop = new AbortController();

    for (let i = 0; i < 20; i++) {
      const paused = pause(1_000, stop.signal);
      await vi.advanceTimersByTimeAsync(1_000);
      expect(await settled(paused)).toBe(true);
    }

    expect(getEventListeners(stop.signal, 'abort')).toHaveLength(0);
  });
});
