import { IdempotencyConfig } from '@aws-lambda-powertools/idempotency';
import { BasePersistenceLayer, type IdempotencyRecord } from '@aws-lambda-powertools/idempotency/persistence';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { freshnessOf, parseRfc3339, placeTime } from '#commons/platform/freshness';
import { REMEMBERED_SECONDS } from '#commons/platform/settings';
import { callbackMaxAge } from '#commons/status-callbacks/callback-replays';

/**
 * The time boundary of the event path: an event judged fresh when it arrives again must find the record its
 * first processing wrote, for any window the configuration allows, any `time` the first processing accepted
 * (behind or up to the tolerance ahead of the clock) and any moment of the second delivery. The record's expiry
 * is computed, and read as expired or not, by Powertools itself (`saveInProgress`, `IdempotencyRecord.isExpired`)
 * under a faked clock, not by a copy of its arithmetic.
 */

const SEED = Number(process.env.FC_SEED ?? 20_261_206);
const RUNS = 2000;

/** Powertools' persistence with the table replaced by the last record written. */
class LastRecord extends BasePersistenceLayer {
  written: IdempotencyRecord | undefined;
  protected async _putRecord(record: IdempotencyRecord): Promise<void> {
    this.written = record;
  }
  protected async _getRecord(): Promise<IdempotencyRecord> {
    if (!this.written) throw new Error('no record');
    return this.written;
  }
  protected async _updateRecord(): Promise<void> {}
  protected async _deleteRecord(): Promise<void> {}
}

/** The record Powertools writes for an event processed at `atMs` with a window of `windowSeconds`. */
const recordWrittenAt = async (atMs: number, windowSeconds: number): Promise<IdempotencyRecord> => {
  vi.setSystemTime(atMs);
  const layer = new LastRecord();
  layer.configure({
    config: new IdempotencyConfig({ eventKeyJmesPath: 'id', expiresAfterSeconds: windowSeconds }),
    functionName: 'call-update-events',
  });
  await layer.saveInProgress({ id: 'event-1' });
  return layer.written as IdempotencyRecord;
};

const windowSeconds = fc.oneof(
  fc.integer({ min: REMEMBERED_SECONDS.min, max: REMEMBERED_SECONDS.max }),
  fc.constantFrom(
    REMEMBERED_SECONDS.min,
    599,
    600,
    3000,
    3001,
    REMEMBERED_SECONDS.default,
    REMEMBERED_SECONDS.max,
  ),
);

afterEach(() => {
  vi.useRealTimers();
});

describe('the event time boundary against the idempotency record', () => {
  it(`never judges fresh a redelivery whose record Powertools reads as expired (seed ${SEED})`, async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    await fc.assert(
      fc.asyncProperty(
        windowSeconds,
        // The event's time, to the millisecond (EventBridge writes whole seconds; a producer may write more).
        fc.integer({ min: 1_700_000_000_000, max: 1_900_000_000_000 }),
        // Where the first processing fell: as early as accepted (the tolerance before the time), or anywhere.
        fc.oneof(fc.constant(0), fc.double({ min: 0, max: 1, noNaN: true })),
        // The later delivery: within 3 s before the limit (where rounding and the tolerance decide), or anywhere
        // up to twice the window after the first.
        fc.oneof(
          fc.integer({ min: 0, max: 3000 }).map((beforeLimitMs) => ({ beforeLimitMs })),
          fc.double({ min: 0, max: 1, noNaN: true }).map((anywhere) => ({ anywhere })),
        ),
        async (window, timeMs, firstAt, later) => {
          const freshness = freshnessOf(window);
          const earliest = timeMs - freshness.toleranceSeconds * 1000;
          const first = Math.round(earliest + firstAt * (timeMs + freshness.maxAgeSeconds * 1000 - earliest));
          expect(placeTime(timeMs, first, freshness)).toBe('fresh');
          const record = await recordWrittenAt(first, window);
          const at =
            'beforeLimitMs' in later
              ? Math.max(first, timeMs + freshness.maxAgeSeconds * 1000 - later.beforeLimitMs)
              : first + Math.round(later.anywhere * 2 * window * 1000);
          vi.setSystemTime(at);

          if (placeTime(timeMs, at, freshness) === 'fresh') expect(record.isExpired()).toBe(false);
        },
      ),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it(`refuses exactly what is older than the limit or further ahead than the tolerance (seed ${SEED})`, () => {
    fc.assert(
      fc.property(
        windowSeconds,
        fc.integer({ min: -40 * 86_400_000, max: 40 * 86_400_000 }),
        (window, ageMs) => {
          const freshness = freshnessOf(window);
          const now = 1_800_000_000_000;
          const expected =
            -ageMs > freshness.toleranceSeconds * 1000
              ? 'in-future'
              : ageMs > freshness.maxAgeSeconds * 1000
                ? 'too-old'
                : 'fresh';
          expect(placeTime(now - ageMs, now, freshness)).toBe(expected);
          expect(freshness.toleranceSeconds).toBeGreaterThanOrEqual(6);
          expect(freshness.maxAgeSeconds).toBeGreaterThanOrEqual(window * 0.8);
        },
      ),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it(`reads back every RFC 3339 time EventBridge or a producer may write, in any offset (seed ${SEED})`, () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 253_402_300_799_000 }),
        fc.integer({ min: -14 * 60, max: 14 * 60 }),
        fc.boolean(),
        (ms, offsetMinutes, millis) => {
          const instant = millis ? ms : Math.floor(ms / 1000) * 1000;
          const local = new Date(instant + offsetMinutes * 60_000).toISOString().slice(0, millis ? 23 : 19);
          const sign = offsetMinutes < 0 ? '-' : '+';
          const abs = Math.abs(offsetMinutes);
          const zone = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
          if (new Date(instant + offsetMinutes * 60_000).getUTCFullYear() > 9999) return;
          expect(parseRfc3339(`${local}${zone}`), `${local}${zone}`).toBe(instant);
          expect(parseRfc3339(new Date(instant).toISOString())).toBe(instant);
        },
      ),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('keeps a status callback publishable for at least a day less the tolerance, however short the replay window', () => {
    fc.assert(
      fc.property(windowSeconds, (window) => {
        expect(callbackMaxAge(window).maxAgeSeconds).toBe(
          Math.max(window, 86_400) - 2 * freshnessOf(Math.max(window, 86_400)).toleranceSeconds,
        );
        expect(callbackMaxAge(window).maxAgeSeconds).toBeGreaterThanOrEqual(86_400 - 600);
      }),
      { seed: SEED, numRuns: 200 },
    );
  });
});
